//! Open enums: the status, cause-code and event-type schemas the generator replaces (see
//! `codegen.rs`).
//!
//! The API adds values to these over time. A generated Rust enum is closed, so one new value would
//! fail the decoding of the whole response; these keep an unknown value as `Unknown(text)` instead,
//! and write it back as it came.

/// Defines an open enum: the known values as variants, spelled as the API spells them, plus
/// `Unknown(String)` for any other value.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know, as the API sent it.
            Unknown(::std::string::String),
        }

        impl $name {
            /// The known values, in the spec's order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The value as the API spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Unknown(text) => text,
                }
            }

            /// Whether this is a value this version does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $( $text => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(text: ::std::string::String) -> Self {
                match $name::from(text.as_str()) {
                    $name::Unknown(_) => $name::Unknown(text),
                    known => known,
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(text: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok($name::from(text))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                Ok($name::from(text.as_ref()))
            }
        }
    };
}

open_enum! {
    /// Where an invocation is in its life.
    pub enum InvocationStatus {
        /// Accepted, not yet running.
        Pending = "PENDING",
        /// Running.
        Running = "RUNNING",
        /// Finished; results are available.
        Completed = "COMPLETED",
        /// Finished without results; see the cause.
        Failed = "FAILED",
    }
}

open_enum! {
    /// Where a build is in its life.
    pub enum FunctionBuildStatus {
        /// Queued.
        Pending = "PENDING",
        /// Building.
        Running = "RUNNING",
        /// Built; its Functions have new versions.
        Completed = "COMPLETED",
        /// Not built; see the cause.
        Failed = "FAILED",
    }
}

open_enum! {
    /// Why an invocation failed.
    pub enum InvocationCauseCode {
        /// It ran past its session timeout.
        TimedOut = "TIMED_OUT",
        /// Browserbase failed.
        InternalError = "INTERNAL_ERROR",
        /// The Function's own code failed: read the invocation's logs.
        WorkloadError = "WORKLOAD_ERROR",
    }
}

open_enum! {
    /// Why a build failed.
    pub enum FunctionBuildCauseCode {
        /// The upload held no Function manifest.
        NoManifestsFound = "NO_MANIFESTS_FOUND",
        /// The upload held more Functions than the project allows in one build.
        TooManyManifests = "TOO_MANY_MANIFESTS",
        /// A manifest was over the size limit.
        ManifestTooLarge = "MANIFEST_TOO_LARGE",
        /// A Function's `sessionConfig` was not valid session settings.
        InvalidSessionCreateParams = "INVALID_SESSION_CREATE_PARAMS",
        /// The build took too long.
        TimedOut = "TIMED_OUT",
    }
}

open_enum! {
    /// A kind of event a webhook subscribes to. In requests, only known values are accepted by
    /// the API; an `Unknown` value is sent as it is.
    pub enum WebhookEventType {
        /// A build started.
        FunctionsBuildsRunning = "functions.builds.running",
        /// A build finished; its Functions have new versions.
        FunctionsBuildsCompleted = "functions.builds.completed",
        /// A build failed.
        FunctionsBuildsFailed = "functions.builds.failed",
        /// An invocation was accepted.
        FunctionsInvocationsPending = "functions.invocations.pending",
        /// An invocation started running.
        FunctionsInvocationsRunning = "functions.invocations.running",
        /// An invocation finished with results.
        FunctionsInvocationsCompleted = "functions.invocations.completed",
        /// An invocation failed.
        FunctionsInvocationsFailed = "functions.invocations.failed",
    }
}

impl InvocationStatus {
    /// `COMPLETED` or `FAILED`. An unknown status is not known to be terminal.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Completed | Self::Failed)
    }
}

impl WebhookEventType {
    /// About a Function invocation: a known invocation type, or an unknown one under
    /// `functions.invocations.`.
    pub fn is_invocation(&self) -> bool {
        self.as_str().starts_with("functions.invocations.")
    }

    /// About a Function build: a known build type, or an unknown one under `functions.builds.`.
    pub fn is_build(&self) -> bool {
        self.as_str().starts_with("functions.builds.")
    }

    /// The resource reached its end: `completed` or `failed`. An unknown type is not known to be
    /// terminal. Events are not ordered: a terminal event can arrive before a `running` one.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::FunctionsBuildsCompleted
                | Self::FunctionsBuildsFailed
                | Self::FunctionsInvocationsCompleted
                | Self::FunctionsInvocationsFailed
        )
    }
}

impl FunctionBuildStatus {
    /// `COMPLETED` or `FAILED`. An unknown status is not known to be terminal.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Completed | Self::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_values_round_trip() {
        let s: InvocationStatus =
            serde_json::from_str("\"FAILED\"").unwrap_or(InvocationStatus::Pending);
        assert_eq!(s, InvocationStatus::Failed);
        let s: InvocationStatus =
            serde_json::from_str("\"CANCELLED\"").unwrap_or(InvocationStatus::Pending);
        assert_eq!(s, InvocationStatus::Unknown("CANCELLED".into()));
        assert_eq!(
            serde_json::to_string(&s).ok().as_deref(),
            Some("\"CANCELLED\"")
        );
        assert_eq!(
            FunctionBuildCauseCode::from("TIMED_OUT"),
            FunctionBuildCauseCode::TimedOut
        );
        assert_eq!(InvocationCauseCode::KNOWN.len(), 3);
        let t: Vec<WebhookEventType> =
            serde_json::from_str(r#"["functions.invocations.failed","functions.sessions.ended"]"#)
                .unwrap_or_default();
        assert_eq!(
            t,
            [
                WebhookEventType::FunctionsInvocationsFailed,
                WebhookEventType::Unknown("functions.sessions.ended".into())
            ]
        );
        assert_eq!(
            serde_json::to_string(&t).ok().as_deref(),
            Some(r#"["functions.invocations.failed","functions.sessions.ended"]"#)
        );
        assert!(!InvocationStatus::Unknown("X".into()).is_terminal());
    }
}

open_enum! {
    /// Where a browser session is in its life.
    pub enum SessionStatus {
        /// Starting.
        Pending = "PENDING",
        /// Running: billed until released or timed out.
        Running = "RUNNING",
        /// Ended with an error.
        Error = "ERROR",
        /// Ended at its timeout.
        TimedOut = "TIMED_OUT",
        /// Ended: released, or its work finished.
        Completed = "COMPLETED",
    }
}

open_enum! {
    /// A region where browser sessions run.
    pub enum SessionRegion {
        /// US West (Oregon), the default.
        UsWest2 = "us-west-2",
        /// US East (N. Virginia).
        UsEast1 = "us-east-1",
        /// Europe (Frankfurt).
        EuCentral1 = "eu-central-1",
        /// Asia Pacific (Singapore).
        ApSoutheast1 = "ap-southeast-1",
    }
}

open_enum! {
    /// Where the MP4 of one recorded page is.
    pub enum RecordingDownloadStatus {
        /// No download has been requested for the session yet.
        NotRequested = "NOT_REQUESTED",
        /// Assembly is enqueued or in progress.
        Pending = "PENDING",
        /// The MP4 is ready.
        Completed = "COMPLETED",
        /// Assembly failed; request the downloads again to retry.
        Failed = "FAILED",
    }
}
