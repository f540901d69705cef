//! Proxy configuration: Browserbase-managed proxies with geolocation, external proxies, and
//! direct ("none") routes for some domains.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::geo;
use crate::secret::ProxyPassword;
use crate::validate::{Validator, quoted};

/// The `proxies` setting: `true`/`false` for the default Browserbase proxy, or a list of routes.
///
/// Reads `true`, `false` or a list; an error inside an entry is reported where it is (see
/// [`Proxy`]), not as a mismatch of the whole setting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Proxies {
    /// `true` routes everything through Browserbase's default proxy; `false` uses none.
    Enabled(bool),
    /// Routes tried in order; each may be limited to a domain pattern.
    List(Vec<Proxy>),
}

/// One proxy route.
///
/// Reads the API's shape, `{"type": "browserbase" | "external" | "none", ...}`, with the fields of
/// that type only: an unknown type or a field that type does not have (a typo) is an error that
/// names it and lists what is expected.
///
/// ```
/// use bb_api_ext::{Geolocation, Proxy};
///
/// let routes = vec![
///     Proxy::browserbase().geolocation(Geolocation::country("us").state("ny").city("New York")).into(),
///     Proxy::external("http://proxy.internal:8080").credentials("user", "pass").domain_pattern(".*\\.corp").into(),
///     Proxy::none().domain_pattern("localhost").into(),
/// ];
/// # let _: Vec<Proxy> = routes;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Proxy {
    /// Browserbase's managed proxy network.
    Browserbase(BrowserbaseProxy),
    /// A proxy server of your own.
    External(ExternalProxy),
    /// No proxy: connect directly (for the domains the pattern matches).
    None(NoneProxy),
}

impl Proxy {
    /// A route through Browserbase's managed proxies.
    pub fn browserbase() -> BrowserbaseProxy {
        BrowserbaseProxy::default()
    }

    /// A route through your own proxy at `server`, a URL such as `http://proxy.example.com:8080`.
    pub fn external(server: impl Into<String>) -> ExternalProxy {
        ExternalProxy {
            server: server.into(),
            username: None,
            password: None,
            domain_pattern: None,
        }
    }

    /// A direct route, usually limited with [`NoneProxy::domain_pattern`].
    pub fn none() -> NoneProxy {
        NoneProxy::default()
    }

    pub(crate) fn check(&mut self, v: &mut Validator) {
        match self {
            Proxy::Browserbase(p) => {
                if let Some(geo) = &mut p.geolocation {
                    v.field("geolocation", |v| geo.check(v));
                }
                check_pattern(v, p.domain_pattern.as_deref());
            }
            Proxy::External(p) => {
                v.field("server", |v| check_server(v, &p.server));
                if let Some(user) = &p.username {
                    v.field("username", |v| v.non_empty(user));
                }
                if p.password.is_some() && p.username.is_none() {
                    v.field("password", |v| v.fail("requires username"));
                }
                check_pattern(v, p.domain_pattern.as_deref());
            }
            Proxy::None(p) => check_pattern(v, p.domain_pattern.as_deref()),
        }
    }

    /// The password, moved out (the proxy is spent).
    pub(crate) fn into_password(self) -> Option<ProxyPassword> {
        match self {
            Proxy::External(p) => p.password,
            _ => None,
        }
    }
}

/// A Browserbase-managed proxy route. Build with [`Proxy::browserbase`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a browserbase proxy: a map with `geolocation` and `domainPattern`, both optional"
)]
pub struct BrowserbaseProxy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    geolocation: Option<Geolocation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    domain_pattern: Option<String>,
}

impl BrowserbaseProxy {
    /// Where the proxy's exit should be.
    pub fn geolocation(mut self, geolocation: Geolocation) -> Self {
        self.geolocation = Some(geolocation);
        self
    }

    /// Use this route only for domains matching `pattern`; all domains when unset.
    pub fn domain_pattern(mut self, pattern: impl Into<String>) -> Self {
        self.domain_pattern = Some(pattern.into());
        self
    }
}

/// A route through your own proxy. Build with [`Proxy::external`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "an external proxy: a map with `server` and, optionally, `username`, `password` and `domainPattern`"
)]
pub struct ExternalProxy {
    server: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schemars", schemars(with = "Option<String>"))]
    password: Option<ProxyPassword>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    domain_pattern: Option<String>,
}

impl ExternalProxy {
    /// Authenticate to the proxy. The password is redacted in `Debug` and error output.
    pub fn credentials(
        mut self,
        username: impl Into<String>,
        password: impl Into<ProxyPassword>,
    ) -> Self {
        self.username = Some(username.into());
        self.password = Some(password.into());
        self
    }

    /// Authenticate with a username only.
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// Use this route only for domains matching `pattern`; all domains when unset.
    pub fn domain_pattern(mut self, pattern: impl Into<String>) -> Self {
        self.domain_pattern = Some(pattern.into());
        self
    }
}

/// Shows the server without any credentials embedded in it (validation rejects those, but an
/// unvalidated proxy may still be printed), and the password as `[REDACTED]`.
impl std::fmt::Debug for ExternalProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalProxy")
            .field("server", &without_userinfo(&self.server))
            .field("username", &self.username)
            .field("password", &self.password)
            .field("domain_pattern", &self.domain_pattern)
            .finish()
    }
}

/// `scheme://[credentials removed]@host…` when the URL has userinfo; else the URL as given.
/// Without a scheme (`user:password@host:port`), everything before the last `@` is dropped.
fn without_userinfo(server: &str) -> std::borrow::Cow<'_, str> {
    let Some((scheme, rest)) = server.split_once("://") else {
        return crate::secret::without_credentials(server);
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://[credentials removed]@{}", &rest[at + 1..]).into(),
        None => server.into(),
    }
}

/// A direct route. Build with [`Proxy::none`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a none proxy: a map with `domainPattern`, optional"
)]
pub struct NoneProxy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    domain_pattern: Option<String>,
}

impl NoneProxy {
    /// Connect directly only for domains matching `pattern`.
    pub fn domain_pattern(mut self, pattern: impl Into<String>) -> Self {
        self.domain_pattern = Some(pattern.into());
        self
    }
}

impl From<BrowserbaseProxy> for Proxy {
    fn from(p: BrowserbaseProxy) -> Self {
        Proxy::Browserbase(p)
    }
}

impl From<ExternalProxy> for Proxy {
    fn from(p: ExternalProxy) -> Self {
        Proxy::External(p)
    }
}

impl From<NoneProxy> for Proxy {
    fn from(p: NoneProxy) -> Self {
        Proxy::None(p)
    }
}

/// Where a Browserbase proxy should exit: a country, and optionally a US state and a city.
///
/// Codes are checked when the request is validated: the country must be an assigned ISO 3166-1
/// alpha-2 code and the state a US state, DC or territory code (and only with country `US`).
/// Lower case is accepted and sent upper case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a geolocation: a map with `country` and, optionally, `state` and `city`"
)]
pub struct Geolocation {
    #[cfg_attr(feature = "schemars", schemars(length(min = 2, max = 2)))]
    country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schemars", schemars(length(min = 2, max = 2)))]
    state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    city: Option<String>,
}

impl Geolocation {
    /// An exit in `country`, an ISO 3166-1 alpha-2 code such as `US` or `de`.
    pub fn country(code: impl Into<String>) -> Self {
        Self {
            country: code.into(),
            state: None,
            city: None,
        }
    }

    /// A US state, DC or territory code such as `NY`; requires country `US`.
    pub fn state(mut self, code: impl Into<String>) -> Self {
        self.state = Some(code.into());
        self
    }

    /// A city name; multi-word names use spaces (`New York`).
    pub fn city(mut self, name: impl Into<String>) -> Self {
        self.city = Some(name.into());
        self
    }

    fn check(&mut self, v: &mut Validator) {
        normalise_code(&mut self.country);
        let country_ok = v.field("country", |v| {
            if geo::is_country(&self.country) {
                true
            } else {
                let hint = geo::suggest_country(&self.country)
                    .map(|code| format!("; did you mean {code}?"))
                    .unwrap_or_default();
                v.fail(format!(
                    "must be an assigned ISO 3166-1 alpha-2 country code such as US or DE (got {}{hint})",
                    quoted(&self.country)
                ));
                false
            }
        });
        if let Some(state) = &mut self.state {
            normalise_code(state);
            let state = &*state;
            v.field("state", |v| {
                if !geo::is_us_state(state) {
                    v.fail(format!(
                        "must be a two-letter US state, DC or territory code such as NY (got {})",
                        quoted(state)
                    ));
                } else if country_ok && self.country != "US" {
                    v.fail(format!("requires country US (country is {})", self.country));
                }
            });
        }
        if let Some(city) = &self.city {
            v.field("city", |v| v.non_empty(city));
        }
    }
}

fn normalise_code(code: &mut str) {
    if code.bytes().any(|b| b.is_ascii_lowercase()) {
        code.make_ascii_uppercase();
    }
}

fn check_pattern(v: &mut Validator, pattern: Option<&str>) {
    if let Some(p) = pattern {
        v.field("domainPattern", |v| v.non_empty(p));
    }
}

/// External proxy servers must be `http` or `https` URLs with a host: those are the proxy kinds the
/// Browserbase docs describe for external proxies. Credentials belong in `username`/`password`
/// (where the password stays redacted), not in the URL. The URL itself is never echoed, since a
/// rejected one may hold a password.
fn check_server(v: &mut Validator, server: &str) {
    match url::Url::parse(server) {
        Err(_) => {
            v.fail("must be a URL with scheme and host, such as http://proxy.example.com:8080")
        }
        Ok(url) => {
            if !matches!(url.scheme(), "http" | "https") {
                v.fail(format!(
                    "scheme must be http or https (got {})",
                    quoted(url.scheme())
                ));
            } else if url.host_str().is_none_or(str::is_empty) {
                v.fail("must have a host, such as http://proxy.example.com:8080");
            }
            if !url.username().is_empty() || url.password().is_some() {
                v.fail("must not embed credentials; set username and password instead");
            }
        }
    }
}

// Reading proxies. Derived `untagged` and internally tagged enums buffer the input and then try
// it against each shape, which loses the inner error ("data did not match any variant") and the
// position; these read it in one pass instead, so each error comes from the value it is about.

impl<'de> Deserialize<'de> for Proxies {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ProxiesVisitor)
    }
}

struct ProxiesVisitor;

impl<'de> Visitor<'de> for ProxiesVisitor {
    type Value = Proxies;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("proxies as true, false or a list of proxies")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Proxies, E> {
        Ok(Proxies::Enabled(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Proxies, A::Error> {
        let mut list = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
        while let Some(proxy) = seq.next_element()? {
            list.push(proxy);
        }
        Ok(Proxies::List(list))
    }
}

/// A proxy's `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Browserbase,
    External,
    None,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Browserbase => "browserbase",
            Kind::External => "external",
            Kind::None => "none",
        }
    }

    /// The fields a proxy of this type has, in the order the docs list them.
    fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Browserbase => &["type", "geolocation", "domainPattern"],
            Kind::External => &["type", "server", "username", "password", "domainPattern"],
            Kind::None => &["type", "domainPattern"],
        }
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KindVisitor)
    }
}

struct KindVisitor;

impl Visitor<'_> for KindVisitor {
    type Value = Kind;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a proxy type: `browserbase`, `external` or `none`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Kind, E> {
        match v {
            "browserbase" => Ok(Kind::Browserbase),
            "external" => Ok(Kind::External),
            "none" => Ok(Kind::None),
            _ => Err(E::custom(format_args!(
                "unknown proxy type `{v}`, expected one of `browserbase`, `external`, `none`"
            ))),
        }
    }
}

/// A field of some proxy type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Type,
    Geolocation,
    Server,
    Username,
    Password,
    DomainPattern,
}

impl Field {
    const ALL: [Field; 6] = [
        Field::Type,
        Field::Geolocation,
        Field::Server,
        Field::Username,
        Field::Password,
        Field::DomainPattern,
    ];
    /// Every field of every type: what is expected before `type` is known.
    const NAMES: &'static [&'static str] = &[
        "type",
        "geolocation",
        "server",
        "username",
        "password",
        "domainPattern",
    ];

    fn name(self) -> &'static str {
        match self {
            Field::Type => "type",
            Field::Geolocation => "geolocation",
            Field::Server => "server",
            Field::Username => "username",
            Field::Password => "password",
            Field::DomainPattern => "domainPattern",
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }

    fn of(kind: Kind, field: Field) -> bool {
        kind.fields().contains(&field.name())
    }
}

/// Reads a key of a proxy entry, checked against the entry's type if that has been read already,
/// so that the error is about the key (and the format can say where it is).
struct FieldSeed(Option<Kind>);

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = Field;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Field, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for FieldSeed {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a proxy field name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
        let field = Field::ALL.into_iter().find(|f| f.name() == v);
        match (field, self.0) {
            (Some(field), Some(kind)) if !Field::of(kind, field) => Err(not_of(field, kind)),
            (Some(field), _) => Ok(field),
            (None, kind) => Err(E::unknown_field(v, kind.map_or(Field::NAMES, Kind::fields))),
        }
    }
}

fn not_of<E: de::Error>(field: Field, kind: Kind) -> E {
    let expected = kind.fields().join("`, `");
    E::custom(format_args!(
        "field `{}` does not apply to a {} proxy, expected one of `{expected}`",
        field.name(),
        kind.name()
    ))
}

impl<'de> Deserialize<'de> for Proxy {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ProxyVisitor)
    }
}

struct ProxyVisitor;

impl<'de> Visitor<'de> for ProxyVisitor {
    type Value = Proxy;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a proxy: a map with a `type` of browserbase, external or none")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Proxy, A::Error> {
        let mut kind = None;
        let mut seen = 0u8; // a bit per field, by `Field as u8`
        let mut geolocation = None;
        let mut server = None;
        let mut username = None;
        let mut password = None;
        let mut domain_pattern = None;
        while let Some(field) = map.next_key_seed(FieldSeed(kind))? {
            if seen & field.bit() != 0 {
                return Err(de::Error::duplicate_field(field.name()));
            }
            seen |= field.bit();
            match field {
                Field::Type => kind = Some(map.next_value()?),
                Field::Geolocation => geolocation = map.next_value()?,
                Field::Server => server = Some(map.next_value()?),
                Field::Username => username = map.next_value()?,
                Field::Password => password = map.next_value()?,
                Field::DomainPattern => domain_pattern = map.next_value()?,
            }
        }
        let kind = kind.ok_or_else(|| de::Error::missing_field("type"))?;
        // Fields read before `type` were not checked against it.
        let stray = Field::ALL
            .into_iter()
            .find(|f| seen & f.bit() != 0 && !Field::of(kind, *f));
        if let Some(field) = stray {
            return Err(not_of(field, kind));
        }
        Ok(match kind {
            Kind::Browserbase => Proxy::Browserbase(BrowserbaseProxy {
                geolocation,
                domain_pattern,
            }),
            Kind::External => Proxy::External(ExternalProxy {
                server: server.ok_or_else(|| de::Error::missing_field("server"))?,
                username,
                password,
                domain_pattern,
            }),
            Kind::None => Proxy::None(NoneProxy { domain_pattern }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(mut p: Proxy) -> (Proxy, Vec<String>) {
        let mut v = Validator::new();
        v.field("p", |v| p.check(v));
        let errs = match v.finish(()) {
            Ok(()) => Vec::new(),
            Err(e) => e.violations().iter().map(ToString::to_string).collect(),
        };
        (p, errs)
    }

    #[test]
    fn geolocation_is_normalised_and_checked() {
        let (p, errs) = check(
            Proxy::browserbase()
                .geolocation(Geolocation::country("us").state("ny"))
                .into(),
        );
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(
            serde_json::to_value(&p).ok(),
            Some(
                serde_json::json!({"type": "browserbase", "geolocation": {"country": "US", "state": "NY"}})
            )
        );
        let (_, errs) = check(
            Proxy::browserbase()
                .geolocation(Geolocation::country("DE").state("NY").city(" "))
                .into(),
        );
        assert_eq!(
            errs,
            [
                "p.geolocation.state: requires country US (country is DE)",
                "p.geolocation.city: must not be empty"
            ]
        );
        let (_, errs) = check(
            Proxy::browserbase()
                .geolocation(Geolocation::country("UK").state("XX"))
                .into(),
        );
        assert_eq!(
            errs,
            [
                "p.geolocation.country: must be an assigned ISO 3166-1 alpha-2 country code such as US or DE (got \"UK\"; did you mean GB?)",
                "p.geolocation.state: must be a two-letter US state, DC or territory code such as NY (got \"XX\")"
            ]
        );
    }

    #[test]
    fn external_server_rules() {
        for ok in [
            "http://proxy:8080",
            "https://10.0.0.1",
            "http://[::1]:3128/",
        ] {
            assert!(check(Proxy::external(ok).into()).1.is_empty(), "{ok}");
        }
        let cases = [
            (
                "proxy:8080",
                "p.server: scheme must be http or https (got \"proxy\")",
            ),
            (
                "proxy.example.com",
                "p.server: must be a URL with scheme and host, such as http://proxy.example.com:8080",
            ),
            (
                "socks5://proxy:1080",
                "p.server: scheme must be http or https (got \"socks5\")",
            ),
            (
                "http://user:secret@proxy:8080",
                "p.server: must not embed credentials; set username and password instead",
            ),
        ];
        for (server, want) in cases {
            assert_eq!(check(Proxy::external(server).into()).1, [want], "{server}");
        }
        let mut no_user = Proxy::external("http://proxy:1").credentials("u", "p");
        no_user.username = None;
        assert_eq!(check(no_user.into()).1, ["p.password: requires username"]);
    }

    #[test]
    fn debug_hides_credentials_in_the_server_url() {
        let p = Proxy::external("http://alice:s3cr3t@proxy:8080/x").credentials("bob", "pw-123");
        let shown = format!("{p:?}");
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("pw-123"),
            "{shown}"
        );
        assert!(
            shown.contains("http://[credentials removed]@proxy:8080/x"),
            "{shown}"
        );
        assert_eq!(
            without_userinfo("https://proxy:1/a@b"),
            "https://proxy:1/a@b"
        );
        assert_eq!(without_userinfo("not a url"), "not a url");
        assert_eq!(
            without_userinfo("alice:s3cr3t@proxy:8080"),
            "[credentials removed]@proxy:8080"
        );
    }

    #[test]
    fn wire_shape_and_strict_reading() {
        let p: Proxy = serde_json::from_value(serde_json::json!({
            "type": "external", "server": "http://p:1", "username": "u", "password": "pw", "domainPattern": "x"
        }))
        .expect("valid external proxy");
        assert_eq!(
            p,
            Proxy::external("http://p:1")
                .credentials("u", "pw")
                .domain_pattern("x")
                .into()
        );
        assert!(!format!("{p:?}").contains("pw\""), "{p:?}");
        let unknown =
            serde_json::from_value::<Proxy>(serde_json::json!({"type": "none", "domain": "x"}));
        assert!(unknown.is_err());
        let wrong_type = serde_json::from_value::<Proxy>(serde_json::json!({"type": "socks"}));
        assert!(wrong_type.is_err());
    }
}
