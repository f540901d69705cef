//! Ids as callers give them: a [`Uuid`], text holding one, or a Function's name.

use std::fmt;

use uuid::Uuid;

use crate::error::Error;
use crate::validate::Validator;
use crate::validate::quoted;

/// An id as given: a [`Uuid`], or text checked when the request is validated (nothing is sent if
/// it is not a UUID).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdInput {
    /// Already a UUID.
    Uuid(Uuid),
    /// Text to parse.
    Text(String),
}

impl IdInput {
    pub(crate) fn check(&self, v: &mut Validator) -> Uuid {
        match self {
            IdInput::Uuid(u) => *u,
            IdInput::Text(t) => Uuid::parse_str(t.trim()).unwrap_or_else(|_| {
                v.fail(format!("must be a UUID (got {})", quoted(t)));
                Uuid::nil()
            }),
        }
    }

    /// The UUID, or a validation error at `field`.
    pub(crate) fn parse(&self, field: &str) -> Result<Uuid, Error> {
        let mut v = Validator::new();
        let id = v.field(field, |v| self.check(v));
        v.finish(id).map_err(Error::from)
    }
}

impl From<Uuid> for IdInput {
    fn from(u: Uuid) -> Self {
        IdInput::Uuid(u)
    }
}

impl From<&Uuid> for IdInput {
    fn from(u: &Uuid) -> Self {
        IdInput::Uuid(*u)
    }
}

impl From<&str> for IdInput {
    fn from(s: &str) -> Self {
        IdInput::Text(s.to_owned())
    }
}

impl From<String> for IdInput {
    fn from(s: String) -> Self {
        IdInput::Text(s)
    }
}

impl From<&String> for IdInput {
    fn from(s: &String) -> Self {
        IdInput::Text(s.clone())
    }
}

/// A Function, by id or by the name it was given in `defineFn`. Text that parses as a UUID is an
/// id; any other text is a name, resolved once per client (see
/// [`crate::Functions::find_by_name`]).
///
/// ```
/// use bb_api_ext::FunctionRef;
///
/// assert!(matches!(FunctionRef::from("scrape-title"), FunctionRef::Name(_)));
/// assert!(matches!(FunctionRef::from("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"), FunctionRef::Id(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FunctionRef {
    /// The Function's id.
    Id(Uuid),
    /// The Function's name.
    Name(String),
}

impl FunctionRef {
    /// Checks that a name is not empty.
    pub(crate) fn check(&self, v: &mut Validator) {
        if let FunctionRef::Name(name) = self
            && name.trim().is_empty()
        {
            v.fail("must be a Function id or a non-empty Function name");
        }
    }
}

impl fmt::Display for FunctionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FunctionRef::Id(id) => write!(f, "{id}"),
            FunctionRef::Name(name) => write!(f, "{name:?}"),
        }
    }
}

impl From<Uuid> for FunctionRef {
    fn from(id: Uuid) -> Self {
        FunctionRef::Id(id)
    }
}

impl From<&Uuid> for FunctionRef {
    fn from(id: &Uuid) -> Self {
        FunctionRef::Id(*id)
    }
}

impl From<&str> for FunctionRef {
    fn from(text: &str) -> Self {
        match Uuid::parse_str(text.trim()) {
            Ok(id) => FunctionRef::Id(id),
            Err(_) => FunctionRef::Name(text.trim().to_owned()),
        }
    }
}

impl From<String> for FunctionRef {
    fn from(text: String) -> Self {
        FunctionRef::from(text.as_str())
    }
}

impl From<&String> for FunctionRef {
    fn from(text: &String) -> Self {
        FunctionRef::from(text.as_str())
    }
}

impl From<&bb_api::types::Function> for FunctionRef {
    fn from(function: &bb_api::types::Function) -> Self {
        FunctionRef::Id(function.id)
    }
}

/// A UUID as lower-case hyphenated text, without allocating.
pub(crate) fn id_text<'b>(id: &Uuid, buf: &'b mut [u8; uuid::fmt::Urn::LENGTH]) -> &'b str {
    id.hyphenated().encode_lower(buf)
}
