//! What the API returns for an invocation, read tolerantly: statuses, cause codes and fields newer
//! than our spec decode instead of failing.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use uuid::Uuid;

/// One run of a Function.
///
/// Fields the spec marks required are required here too, except the timestamps a newer API might
/// drop or fill late (`startedAt`, `updatedAt`, `expiresAt`), which are optional. Fields this
/// version does not know are kept in [`Invocation::extra`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Invocation {
    /// The invocation's id.
    pub id: Uuid,
    /// Where it is in its life.
    pub status: InvocationStatus,
    /// The Function invoked.
    pub function_id: Uuid,
    /// The Function version that ran.
    pub version_id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// The browser session it runs in.
    pub session_id: Uuid,
    /// The region it runs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The parameters it was invoked with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Map<String, Value>>,
    /// What the Function returned, once completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<Value>,
    /// Why it failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<InvocationCause>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// When it started running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    /// When it expires: the latest it can still be running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Fields newer than this client's spec, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Invocation {
    /// Whether the invocation has ended. Known statuses say so directly; a status newer than this
    /// client counts as ended once the server has set `endedAt`.
    pub fn is_terminal(&self) -> bool {
        match self.status {
            InvocationStatus::Unknown(_) => self.ended_at.is_some(),
            ref s => s.is_terminal(),
        }
    }

    /// The results decoded into `T`; `Ok(None)` when there are none yet.
    ///
    /// ```
    /// # use bb_api_ext::Invocation;
    /// #[derive(serde::Deserialize)]
    /// struct Page { title: String }
    ///
    /// # fn demo(invocation: &Invocation) -> Result<(), serde_json::Error> {
    /// if let Some(page) = invocation.results_as::<Page>()? {
    ///     println!("{}", page.title);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn results_as<T: DeserializeOwned>(&self) -> Result<Option<T>, serde_json::Error> {
        match &self.results {
            None | Some(Value::Null) => Ok(None),
            Some(v) => T::deserialize(v).map(Some),
        }
    }
}

/// An invocation's status. `Unknown` keeps a status newer than this client instead of failing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum InvocationStatus {
    /// Accepted, not yet running.
    Pending,
    /// Running.
    Running,
    /// Finished; results are available.
    Completed,
    /// Finished without results; see the cause.
    Failed,
    /// A status this client does not know, as sent.
    Unknown(String),
}

impl InvocationStatus {
    /// The status as the API spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "PENDING",
            Self::Running => "RUNNING",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
            Self::Unknown(s) => s,
        }
    }

    /// `COMPLETED` or `FAILED`. An unknown status is not known to be terminal: see
    /// [`Invocation::is_terminal`].
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Completed | Self::Failed)
    }
}

impl From<&str> for InvocationStatus {
    fn from(s: &str) -> Self {
        match s {
            "PENDING" => Self::Pending,
            "RUNNING" => Self::Running,
            "COMPLETED" => Self::Completed,
            "FAILED" => Self::Failed,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for InvocationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for InvocationStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for InvocationStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Self::from(s.as_ref()))
    }
}

/// Why an invocation failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InvocationCause {
    /// The kind of failure, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CauseCode>,
    /// The failure in words, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl fmt::Display for InvocationCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, &self.message) {
            (Some(c), Some(m)) => write!(f, "{c}: {m}"),
            (Some(c), None) => write!(f, "{c}"),
            (None, Some(m)) => f.write_str(m),
            (None, None) => f.write_str("no cause given"),
        }
    }
}

/// The kind of failure. `Unknown` keeps a code newer than this client.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CauseCode {
    /// The invocation ran past its session timeout.
    TimedOut,
    /// Browserbase failed.
    InternalError,
    /// The Function's own code failed.
    WorkloadError,
    /// A code this client does not know, as sent.
    Unknown(String),
}

impl CauseCode {
    /// The code as the API spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::TimedOut => "TIMED_OUT",
            Self::InternalError => "INTERNAL_ERROR",
            Self::WorkloadError => "WORKLOAD_ERROR",
            Self::Unknown(s) => s,
        }
    }
}

impl fmt::Display for CauseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CauseCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CauseCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(match s.as_ref() {
            "TIMED_OUT" => Self::TimedOut,
            "INTERNAL_ERROR" => Self::InternalError,
            "WORKLOAD_ERROR" => Self::WorkloadError,
            other => Self::Unknown(other.to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base(status: &str) -> Value {
        json!({
            "id": "0b7c6d5e-4f3a-4b2c-9d1e-8f7a6b5c4d3e",
            "projectId": "11111111-2222-4333-8444-555555555555",
            "functionId": "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
            "versionId": "22222222-3333-4444-8555-666666666666",
            "sessionId": "33333333-4444-4555-8666-777777777777",
            "status": status,
            "createdAt": "2026-11-28T10:00:00Z",
            "updatedAt": "2026-11-28T10:00:00Z",
            "startedAt": "2026-11-28T10:00:00Z",
            "expiresAt": "2026-11-28T10:15:00Z"
        })
    }

    #[test]
    fn unknown_status_and_fields_are_kept() {
        let mut v = base("CANCELLED");
        v["priority"] = json!(3);
        v["cause"] = json!({"code": "OUT_OF_MEMORY"});
        let inv: Invocation = serde_json::from_value(v).expect("tolerant");
        assert_eq!(inv.status, InvocationStatus::Unknown("CANCELLED".into()));
        assert!(!inv.is_terminal());
        assert_eq!(inv.extra.get("priority"), Some(&json!(3)));
        assert_eq!(
            inv.cause.as_ref().and_then(|c| c.code.clone()),
            Some(CauseCode::Unknown("OUT_OF_MEMORY".into()))
        );
        let back = serde_json::to_value(&inv).expect("serializes");
        assert_eq!(back["status"], json!("CANCELLED"));
        assert_eq!(back["priority"], json!(3));
    }

    #[test]
    fn unknown_status_with_end_is_terminal() {
        let mut v = base("CANCELLED");
        v["endedAt"] = json!("2026-11-28T10:01:00Z");
        let inv: Invocation = serde_json::from_value(v).expect("tolerant");
        assert!(inv.is_terminal());
    }

    #[test]
    fn results_as() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct R {
            title: String,
        }
        let mut v = base("COMPLETED");
        v["results"] = json!({"title": "Example"});
        let inv: Invocation = serde_json::from_value(v).expect("decodes");
        assert!(inv.is_terminal());
        assert_eq!(
            inv.results_as::<R>().ok().flatten(),
            Some(R {
                title: "Example".into()
            })
        );
        assert!(inv.results_as::<Vec<u8>>().is_err());
    }
}
