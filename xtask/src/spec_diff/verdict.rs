//! What a change means for clients of bb-api, and which side of the wire a schema sits on.

use serde::Serialize;

/// The classification of a change, ordered from harmless to breaking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Existing clients keep compiling and working.
    NonBreaking,
    /// May break some clients; a maintainer should look (the message says why).
    Review,
    /// Existing clients stop compiling or start failing at run time.
    Breaking,
}

impl Verdict {
    /// `breaking`, `review` or `non-breaking`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NonBreaking => "non-breaking",
            Self::Review => "review",
            Self::Breaking => "breaking",
        }
    }

    /// Parses `breaking`, `review` or `non-breaking`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "breaking" => Some(Self::Breaking),
            "review" => Some(Self::Review),
            "non-breaking" => Some(Self::NonBreaking),
            _ => None,
        }
    }
}

/// Which way the data of a schema flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Sent by the client (parameters, request bodies): narrowing breaks callers.
    Request,
    /// Received by the client (response bodies): widening breaks deserialization.
    Response,
    /// A component used by no operation: it is judged by the worse of the two.
    Both,
}

impl Direction {
    /// The prefix of rule names: `request-`, `response-` or nothing.
    pub fn rule(self, rule: &str) -> String {
        match self {
            Self::Request => format!("request-{rule}"),
            Self::Response => format!("response-{rule}"),
            Self::Both => rule.to_string(),
        }
    }

    /// The verdict for this direction, given the verdicts for requests and for responses.
    pub fn pick(self, request: Verdict, response: Verdict) -> Verdict {
        match self {
            Self::Request => request,
            Self::Response => response,
            Self::Both => request.max(response),
        }
    }
}
