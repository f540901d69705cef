//! Session settings: browser settings, proxies, metadata and timeout, for an invocation
//! (`sessionCreateParams`) or a session created directly (`POST /sessions`), one set of types
//! checked by the rules of the request it goes with ([`Rules`]). Only what the caller sets is sent:
//! the server deep-merges these over the Function's (or the project's) own configuration, so every
//! field here is optional and unset fields never reach the wire.

use std::time::Duration;

use bb_api::open::SessionRegion;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::proxy::{Proxies, Proxy};
use crate::resource_ids::{ContextId, ExtensionId};
use crate::secret::ProxyPassword;
use crate::timeout::{
    SecondsVisitor, SessionTimeout, check_direct_duration, check_direct_seconds, check_seconds,
};
use crate::validate::quoted;
use crate::validate::{ValidationErrors, Validator};

/// Validated session settings, ready to send. Build with [`SessionCreateParams::builder`] or
/// deserialize from the API's own camelCase JSON (a preset in a config file, say), which runs the
/// same validation.
///
/// A preset that does not have the API's shape (an unknown field, a proxy `type` that does not
/// exist, a timeout given as a string) is an error about that value: serde_json says where it is
/// (line and column), serde_norway (YAML) also its path (`proxies[1]: unknown field ...`); for the
/// path in JSON too, read through the `serde_path_to_error` crate. A preset that has the shape but
/// breaks a rule (a timeout of 30 s) is reported with every other violation, each with its path.
/// A timeout reads as whole seconds, `900.0` included.
///
/// ```
/// use bb_api_ext::{BrowserSettings, Geolocation, Proxy, SessionCreateParams};
///
/// let session = SessionCreateParams::builder()
///     .timeout_secs(300)
///     .browser_settings(BrowserSettings::new().block_ads(true).viewport(1280, 720))
///     .proxies([Proxy::browserbase().geolocation(Geolocation::country("US"))])
///     .build()?;
/// assert_eq!(
///     serde_json::to_string(&session)?,
///     r#"{"browserSettings":{"viewport":{"width":1280,"height":720},"blockAds":true},"proxies":[{"type":"browserbase","geolocation":{"country":"US"}}],"timeout":300}"#
/// );
///
/// // The same from JSON, with every violation reported at once.
/// let err = serde_json::from_str::<SessionCreateParams>(r#"{"timeout": 30, "browserSettings": {"viewport": {"width": 0}}}"#)
///     .unwrap_err();
/// assert!(err.to_string().contains("sessionCreateParams.timeout: must be whole seconds in 60..=900 (got 30)"));
/// assert!(err.to_string().contains("sessionCreateParams.browserSettings.viewport.width: must be positive (got 0)"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(try_from = "SessionCreateParamsBuilder")]
pub struct SessionCreateParams(SessionCreateParamsBuilder);

impl Serialize for SessionCreateParams {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl SessionCreateParams {
    /// Starts an empty set of session settings: sends `{}` unless something is set.
    pub fn builder() -> SessionCreateParamsBuilder {
        SessionCreateParamsBuilder::default()
    }

    /// The session timeout, if set.
    pub fn timeout(&self) -> Option<SessionTimeout> {
        match self.0.timeout {
            Some(TimeoutInput::Valid(t)) => Some(t),
            _ => None,
        }
    }

    /// Back to a builder, to change something.
    pub fn into_builder(self) -> SessionCreateParamsBuilder {
        self.0
    }

    /// The proxy passwords, moved out (the params are spent): all a request keeps of its session
    /// once the body is serialized.
    pub(crate) fn into_passwords(self) -> Vec<ProxyPassword> {
        match self.0.proxies {
            Some(Proxies::List(list)) => {
                list.into_iter().filter_map(Proxy::into_password).collect()
            }
            _ => Vec::new(),
        }
    }
}

impl TryFrom<SessionCreateParamsBuilder> for SessionCreateParams {
    type Error = ValidationErrors;

    fn try_from(builder: SessionCreateParamsBuilder) -> Result<Self, ValidationErrors> {
        builder.build()
    }
}

/// Which request session settings go with: the rules differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rules {
    /// An invocation's `sessionCreateParams`: timeout 60–900 s; no `keepAlive`, no `region` (the
    /// session ends with the invocation, in the Function's region).
    Invoke,
    /// A session created directly: timeout 60–21600 s, `keepAlive` and `region` allowed.
    Direct,
}

/// Validated settings for a session created directly ([`crate::Sessions::create`]): the same
/// fields as [`SessionCreateParams`], checked by the rules of `POST /sessions`: a timeout of
/// 60–21600 s, and `keepAlive` and `region` allowed. Build with
/// [`SessionCreateParamsBuilder::build_session`].
///
/// ```
/// use std::time::Duration;
/// use bb_api_ext::{SessionCreateParams, SessionRegion};
///
/// let settings = SessionCreateParams::builder()
///     .timeout(Duration::from_secs(2 * 3600))
///     .keep_alive(true)
///     .region(SessionRegion::EuCentral1)
///     .build_session()?;
/// assert_eq!(
///     serde_json::to_string(&settings)?,
///     r#"{"timeout":7200,"keepAlive":true,"region":"eu-central-1"}"#
/// );
///
/// // Every violation at once, with its path, before any request.
/// let err = SessionCreateParams::builder()
///     .timeout(Duration::from_secs(30))
///     .region("eu-central1")
///     .build_session()
///     .unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "2 invalid fields; session.region: must be one of us-west-2, us-east-1, eu-central-1, \
///      ap-southeast-1 (got \"eu-central1\"); did you mean eu-central-1?; session.timeout: must be \
///      whole seconds in 60..=21600 (got 30)"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SessionSettings(SessionCreateParamsBuilder);

impl Serialize for SessionSettings {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl SessionSettings {
    /// Whether the session is kept alive after disconnections (`None`: not set).
    pub fn keep_alive(&self) -> Option<bool> {
        self.0.keep_alive
    }

    /// The timeout, if set.
    pub fn timeout(&self) -> Option<Duration> {
        match &self.0.timeout {
            Some(TimeoutInput::Json(n)) => n.as_u64().map(Duration::from_secs),
            Some(TimeoutInput::Valid(t)) => Some(t.as_duration()),
            _ => None,
        }
    }

    /// The proxy passwords, moved out (the settings are spent): all a request keeps of them once
    /// the body is serialized, to keep them out of errors.
    pub(crate) fn into_passwords(self) -> Vec<ProxyPassword> {
        SessionCreateParams(self.0).into_passwords()
    }
}

impl TryFrom<SessionCreateParamsBuilder> for SessionSettings {
    type Error = ValidationErrors;

    fn try_from(builder: SessionCreateParamsBuilder) -> Result<Self, ValidationErrors> {
        builder.build_session()
    }
}

/// Reads the API's camelCase JSON (`bb sessions create --settings`) and checks it by the rules of
/// a session created directly.
impl<'de> Deserialize<'de> for SessionSettings {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        SessionCreateParamsBuilder::deserialize(deserializer)?
            .build_session()
            .map_err(serde::de::Error::custom)
    }
}

/// Session settings as given, not yet validated. Deserializes from the API's camelCase JSON
/// (unknown fields are an error, so a typo is not silently ignored).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "session settings: a map of the API's camelCase fields"
)]
pub struct SessionCreateParamsBuilder {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    extension_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    browser_settings: Option<BrowserSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    proxies: Option<Proxies>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    proxy_settings: Option<ProxySettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "Option<serde_json::Map<String, Value>>")
    )]
    user_metadata: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timeout: Option<TimeoutInput>,
    /// Only for a session created directly (not in the invoke preset schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schemars", schemars(skip))]
    keep_alive: Option<bool>,
    /// Only for a session created directly (not in the invoke preset schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schemars", schemars(skip))]
    region: Option<SessionRegion>,
    /// Errors from setters that could not be represented (a metadata value that fails to serialize).
    #[serde(skip)]
    deferred: Vec<(&'static str, String)>,
}

/// A timeout as given: checked when the request is validated.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub(crate) enum TimeoutInput {
    Valid(SessionTimeout),
    Json(serde_json::Number),
    #[serde(serialize_with = "serialize_duration")]
    Duration(Duration),
}

/// Any number is kept for validation, which checks its range with the request's other rules (a
/// whole float such as `900.0` reads as 900); anything else (`"300"`) is an error at once, saying
/// what a timeout must be.
impl<'de> Deserialize<'de> for TimeoutInput {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(SecondsVisitor)
            .map(TimeoutInput::Json)
    }
}

fn serialize_duration<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl SessionCreateParamsBuilder {
    /// The session timeout in whole seconds: `60..=900` for an invocation's session, `60..=21600`
    /// for a session created directly. Prefer [`timeout`](Self::timeout): a `Duration` has no
    /// unit to get wrong.
    pub fn timeout_secs(mut self, secs: u64) -> Self {
        self.timeout = Some(TimeoutInput::Json(secs.into()));
        self
    }

    /// The session timeout; must be whole seconds in `60..=900` for an invocation's session,
    /// `60..=21600` (6 hours) for a session created directly (a sub-second part is an error, not
    /// rounded).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(TimeoutInput::Duration(timeout));
        self
    }

    /// A timeout already checked by [`SessionTimeout`].
    pub fn session_timeout(mut self, timeout: SessionTimeout) -> Self {
        self.timeout = Some(TimeoutInput::Valid(timeout));
        self
    }

    /// Browser settings.
    pub fn browser_settings(mut self, settings: BrowserSettings) -> Self {
        self.browser_settings = Some(settings);
        self
    }

    /// Routes through these proxies, tried in order.
    pub fn proxies<P: Into<Proxy>>(mut self, proxies: impl IntoIterator<Item = P>) -> Self {
        self.proxies = Some(Proxies::List(proxies.into_iter().map(Into::into).collect()));
        self
    }

    /// `true`: Browserbase's default proxy for everything; `false`: no proxy.
    pub fn use_proxy(mut self, enabled: bool) -> Self {
        self.proxies = Some(Proxies::Enabled(enabled));
        self
    }

    /// Supplementary proxy settings: the TLS CA certificate ids to trust.
    pub fn proxy_settings(mut self, settings: ProxySettings) -> Self {
        self.proxy_settings = Some(settings);
        self
    }

    /// The uploaded extension to load.
    pub fn extension_id(mut self, id: impl Into<ExtensionId>) -> Self {
        self.extension_id = Some(id.into().into());
        self
    }

    /// Arbitrary metadata to attach to the session; must serialize to a JSON object.
    pub fn user_metadata(mut self, metadata: impl Serialize) -> Self {
        match serde_json::to_value(metadata) {
            Ok(value) => self.user_metadata = Some(value),
            Err(e) => self
                .deferred
                .push(("userMetadata", format!("must serialize to JSON: {e}"))),
        }
        self
    }

    /// Keep the session alive after its client disconnects, until released or timed out. Only for
    /// a session created directly ([`build_session`](Self::build_session)).
    pub fn keep_alive(mut self, keep_alive: bool) -> Self {
        self.keep_alive = Some(keep_alive);
        self
    }

    /// The region to run the session in (a [`SessionRegion`], or its text such as `"us-east-1"`,
    /// checked when built: an unknown region is a violation with a suggestion). Only for a
    /// session created directly ([`build_session`](Self::build_session)).
    pub fn region(mut self, region: impl Into<SessionRegion>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Validates every field in one pass by the rules of a session created directly (timeout
    /// 60–21600 s; `keepAlive` and `region` allowed), and returns the settings or every violation,
    /// each with its path under `session`.
    pub fn build_session(mut self) -> Result<SessionSettings, ValidationErrors> {
        let mut v = Validator::new();
        v.field("session", |v| self.check(v, Rules::Direct));
        v.finish(SessionSettings(self))
    }

    /// Validates every field in one pass by the rules of an invocation's session (timeout
    /// 60–900 s; no `keepAlive`, no `region`) and returns the settings, or every violation.
    pub fn build(self) -> Result<SessionCreateParams, ValidationErrors> {
        let mut v = Validator::new();
        let params = v.field("sessionCreateParams", |v| self.validate_in(v));
        match params {
            Some(params) => v.finish(params),
            // `validate_in` returns `None` only after recording a violation.
            None => Err(v.finish(()).err().unwrap_or_else(|| {
                ValidationErrors::single("sessionCreateParams", "is invalid".to_owned())
            })),
        }
    }

    /// Validates under the validator's current path, alongside whatever else it is checking; the
    /// settings if they broke no rule.
    pub(crate) fn validate_in(mut self, v: &mut Validator) -> Option<SessionCreateParams> {
        let before = v.count();
        self.check(v, Rules::Invoke);
        (v.count() == before).then_some(SessionCreateParams(self))
    }

    /// Validates and normalises in place, recording violations under the validator's current path.
    pub(crate) fn check(&mut self, v: &mut Validator, rules: Rules) {
        for (field, rule) in self.deferred.drain(..) {
            v.field(field, |v| v.fail(rule));
        }
        if let Some(id) = &self.extension_id {
            v.field("extensionId", |v| v.non_empty(id));
        }
        if let Some(settings) = &mut self.browser_settings {
            v.field("browserSettings", |v| settings.check(v));
        }
        if let Some(Proxies::List(list)) = &mut self.proxies {
            v.field("proxies", |v| {
                for (i, proxy) in list.iter_mut().enumerate() {
                    v.index(i, |v| proxy.check(v));
                }
            });
        }
        if let Some(settings) = &mut self.proxy_settings {
            v.field("proxySettings", |v| settings.check(v));
        }
        if self.user_metadata.as_ref().is_some_and(|m| !m.is_object()) {
            v.field("userMetadata", |v| v.fail("must be a JSON object"));
        }
        match rules {
            Rules::Invoke => {
                if self.keep_alive.is_some() {
                    v.field("keepAlive", |v| {
                        v.fail(
                            "is only for a session created directly (client.sessions().create): \
                             an invocation's session ends with the invocation",
                        )
                    });
                }
                if self.region.is_some() {
                    v.field("region", |v| {
                        v.fail(
                            "is only for a session created directly (client.sessions().create): \
                             an invocation's session runs in its Function's region",
                        )
                    });
                }
                self.check_invoke_timeout(v);
            }
            Rules::Direct => {
                if let Some(region) = &self.region {
                    v.field("region", |v| check_region(v, region));
                }
                if let Some(t) = &self.timeout {
                    let checked = match t {
                        TimeoutInput::Valid(t) => Ok(t.as_secs()),
                        TimeoutInput::Duration(d) => check_direct_duration(*d),
                        TimeoutInput::Json(n) => check_direct_seconds(n),
                    };
                    match checked {
                        Ok(secs) => self.timeout = Some(TimeoutInput::Json(secs.into())),
                        Err(e) => v.field("timeout", |v| v.fail(e.into_rule())),
                    }
                }
            }
        }
    }

    fn check_invoke_timeout(&mut self, v: &mut Validator) {
        if let Some(t) = &self.timeout {
            let checked = match t {
                TimeoutInput::Valid(t) => Ok(*t),
                TimeoutInput::Duration(d) => SessionTimeout::try_from(*d),
                TimeoutInput::Json(n) => check_seconds(n),
            };
            match checked {
                Ok(t) => self.timeout = Some(TimeoutInput::Valid(t)),
                Err(e) => v.field("timeout", |v| v.fail(e.into_rule())),
            }
        }
    }
}

impl From<SessionCreateParams> for SessionCreateParamsBuilder {
    fn from(params: SessionCreateParams) -> Self {
        params.0
    }
}

impl From<SessionSettings> for SessionCreateParamsBuilder {
    fn from(settings: SessionSettings) -> Self {
        settings.0
    }
}

/// A known region, else a violation naming them all and the closest one (a typo).
fn check_region(v: &mut Validator, region: &SessionRegion) {
    let SessionRegion::Unknown(text) = region else {
        return;
    };
    let known: Vec<&str> = SessionRegion::KNOWN.iter().map(|r| r.as_str()).collect();
    let lower = text.trim().to_ascii_lowercase();
    let closest = known
        .iter()
        .map(|k| (strsim::levenshtein(&lower, k), *k))
        .min()
        .filter(|(d, _)| *d <= 3)
        .map(|(_, k)| format!("; did you mean {k}?"))
        .unwrap_or_default();
    v.fail(format!(
        "must be one of {} (got {}){closest}",
        known.join(", "),
        quoted(text)
    ));
}

/// Browser settings for the session. Every field is optional; unset ones are not sent.
///
/// ```
/// use bb_api_ext::{BrowserSettings, Os};
///
/// let settings = BrowserSettings::new()
///     .block_ads(true)
///     .os(Os::Linux)
///     .context("ctx_123", true)
///     .allowed_domains(["example.com", "*.example.org"]);
/// # let _ = settings;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "browser settings: a map such as {\"blockAds\": true}"
)]
pub struct BrowserSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    context: Option<BrowserContext>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    extension_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    viewport: Option<Viewport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    block_ads: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    solve_captchas: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    record_session: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    log_session: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    advanced_stealth: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verified: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    captcha_image_selector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    captcha_input_selector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    os: Option<Os>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    size: Option<BrowserSize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    enable_native_select_polyfill: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    enable_pdf_viewer: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    extensions: Option<Vec<Extension>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    allowed_domains: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ignore_certificate_errors: Option<bool>,
}

macro_rules! flag_setters {
    ($($(#[$doc:meta])* $name:ident;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, enabled: bool) -> Self {
                self.$name = Some(enabled);
                self
            }
        )*
    };
}

impl BrowserSettings {
    /// No settings: the Function's own apply.
    pub fn new() -> Self {
        Self::default()
    }

    flag_setters! {
        /// Block ads (platform default: off).
        block_ads;
        /// Solve captchas (platform default: on).
        solve_captchas;
        /// Record the session (platform default: on).
        record_session;
        /// Log the session (platform default: on).
        log_session;
        /// Advanced stealth mode.
        advanced_stealth;
        /// Verified browser mode.
        verified;
        /// The native `<select>` polyfill (a support break-glass option).
        enable_native_select_polyfill;
        /// The in-browser PDF viewer.
        enable_pdf_viewer;
        /// Ignore TLS certificate errors (platform default: on).
        ignore_certificate_errors;
    }

    /// Use the persisted browser context `id` ([`crate::Contexts`]); `persist` saves changes
    /// back to it afterwards.
    pub fn context(mut self, id: impl Into<ContextId>, persist: bool) -> Self {
        self.context = Some(BrowserContext {
            id: id.into().into(),
            persist: Some(persist),
        });
        self
    }

    /// The uploaded extension to load in the browser ([`crate::Extensions`]).
    pub fn extension_id(mut self, id: impl Into<ExtensionId>) -> Self {
        self.extension_id = Some(id.into().into());
        self
    }

    /// The window size in pixels; both must be positive.
    pub fn viewport(mut self, width: u32, height: u32) -> Self {
        self.viewport = Some(Viewport {
            width: Some(width.into()),
            height: Some(height.into()),
        });
        self
    }

    /// A custom CSS selector for the captcha image; must not be empty.
    pub fn captcha_image_selector(mut self, selector: impl Into<String>) -> Self {
        self.captcha_image_selector = Some(selector.into());
        self
    }

    /// A custom CSS selector for the captcha input; must not be empty.
    pub fn captcha_input_selector(mut self, selector: impl Into<String>) -> Self {
        self.captcha_input_selector = Some(selector.into());
        self
    }

    /// The operating system stealth mode presents.
    pub fn os(mut self, os: Os) -> Self {
        self.os = Some(os);
        self
    }

    /// The browser's resource size.
    pub fn size(mut self, size: BrowserSize) -> Self {
        self.size = Some(size);
        self
    }

    /// Pre-installed extensions to enable. An empty list is sent as `[]`.
    pub fn extensions(mut self, extensions: impl IntoIterator<Item = Extension>) -> Self {
        self.extensions = Some(extensions.into_iter().collect());
        self
    }

    /// Restrict navigation to these domain names (`example.com`, `*.example.com`); no scheme, path,
    /// port or spaces. An empty list is sent as `[]`.
    pub fn allowed_domains<S: Into<String>>(
        mut self,
        domains: impl IntoIterator<Item = S>,
    ) -> Self {
        self.allowed_domains = Some(domains.into_iter().map(Into::into).collect());
        self
    }

    fn check(&mut self, v: &mut Validator) {
        if let Some(ctx) = &self.context {
            v.field("context", |v| v.field("id", |v| v.non_empty(&ctx.id)));
        }
        if let Some(id) = &self.extension_id {
            v.field("extensionId", |v| v.non_empty(id));
        }
        if let Some(vp) = &self.viewport {
            v.field("viewport", |v| {
                for (name, value) in [("width", vp.width), ("height", vp.height)] {
                    if let Some(n) = value.filter(|n| *n <= 0) {
                        v.field(name, |v| v.fail(format!("must be positive (got {n})")));
                    }
                }
            });
        }
        if let Some(s) = &self.captcha_image_selector {
            v.field("captchaImageSelector", |v| v.non_empty(s));
        }
        if let Some(s) = &self.captcha_input_selector {
            v.field("captchaInputSelector", |v| v.non_empty(s));
        }
        if let Some(domains) = &self.allowed_domains {
            v.field("allowedDomains", |v| {
                for (i, d) in domains.iter().enumerate() {
                    if !is_domain_name(d) {
                        v.index(i, |v| {
                            v.fail(format!(
                                "must be a domain name such as example.com or *.example.com, \
                                 without scheme, path, port or spaces (got {})",
                                quoted(d)
                            ))
                        });
                    }
                }
            });
        }
    }
}

/// `example.com`, `localhost`, `*.example.com`: labels of letters, digits and inner hyphens, at most
/// 63 bytes each and 253 in all, with an optional leading `*.` wildcard.
pub(crate) fn is_domain_name(s: &str) -> bool {
    let name = s.strip_prefix("*.").unwrap_or(s);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// A persisted browser context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a browser context: a map with `id` and, optionally, `persist`"
)]
struct BrowserContext {
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    persist: Option<bool>,
}

/// A viewport; either side may be left to the Function's setting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    deny_unknown_fields,
    expecting = "a viewport: a map with `width` and `height`"
)]
struct Viewport {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schemars", schemars(range(min = 1)))]
    width: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schemars", schemars(range(min = 1)))]
    height: Option<i64>,
}

/// The operating system stealth mode presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Os {
    /// Windows.
    Windows,
    /// macOS.
    Mac,
    /// Linux.
    Linux,
    /// A mobile phone.
    Mobile,
    /// A tablet.
    Tablet,
}

/// The browser's resource size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum BrowserSize {
    /// The platform default.
    Small,
    /// Medium.
    Medium,
    /// Large.
    Large,
}

/// A pre-installed browser extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum Extension {
    /// 1Password.
    #[serde(rename = "onepassword")]
    OnePassword,
    /// Browser events.
    #[serde(rename = "browser-events")]
    BrowserEvents,
}

/// Supplementary proxy settings: the TLS CA certificates (by id) the proxies may present.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "proxy settings: a map with `caCertificates`"
)]
pub struct ProxySettings {
    ca_certificates: Vec<String>,
}

impl ProxySettings {
    /// Trust these uploaded CA certificates (UUIDs, as `Uuid` or strings).
    pub fn ca_certificates<S: ToString>(ids: impl IntoIterator<Item = S>) -> Self {
        Self {
            ca_certificates: ids.into_iter().map(|id| id.to_string()).collect(),
        }
    }

    fn check(&mut self, v: &mut Validator) {
        v.field("caCertificates", |v| {
            for (i, id) in self.ca_certificates.iter_mut().enumerate() {
                match Uuid::parse_str(id) {
                    Ok(uuid) => {
                        let canonical = uuid.hyphenated().to_string();
                        if *id != canonical {
                            *id = canonical;
                        }
                    }
                    Err(_) => v.index(i, |v| {
                        v.fail(format!("must be a UUID (got {})", quoted(id)))
                    }),
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_builder_sends_nothing() {
        let s = SessionCreateParams::builder().build().expect("valid");
        assert_eq!(serde_json::to_value(&s).ok(), Some(json!({})));
        let b = BrowserSettings::new();
        assert_eq!(serde_json::to_value(&b).ok(), Some(json!({})));
    }

    #[test]
    fn domain_names() {
        for ok in [
            "example.com",
            "localhost",
            "*.example.com",
            "a-b.c0.io",
            "xn--bcher-kva.example",
        ] {
            assert!(is_domain_name(ok), "{ok}");
        }
        for bad in [
            "",
            "https://example.com",
            "example.com/path",
            "exa mple.com",
            "example.com:443",
            "-a.com",
            "a..b",
            "*.",
            "*",
        ] {
            assert!(!is_domain_name(bad), "{bad}");
        }
    }

    #[test]
    fn metadata_must_be_an_object() {
        let err = SessionCreateParams::builder()
            .user_metadata([1, 2])
            .build()
            .expect_err("array");
        assert_eq!(
            err.to_string(),
            "1 invalid field; sessionCreateParams.userMetadata: must be a JSON object"
        );
    }

    #[test]
    fn ca_certificates_are_canonicalised() {
        let s = SessionCreateParams::builder()
            .proxy_settings(ProxySettings::ca_certificates([
                "6F1C2D3E4A5B4C6D8E9F0A1B2C3D4E5F",
                "nope",
            ]))
            .build()
            .expect_err("one bad id");
        assert_eq!(
            s.violations()[0].to_string(),
            "sessionCreateParams.proxySettings.caCertificates[1]: must be a UUID (got \"nope\")"
        );
        let ok = SessionCreateParams::builder()
            .proxy_settings(ProxySettings::ca_certificates([
                "6F1C2D3E4A5B4C6D8E9F0A1B2C3D4E5F",
            ]))
            .build()
            .expect("valid");
        assert_eq!(
            serde_json::to_value(&ok).ok(),
            Some(
                json!({"proxySettings": {"caCertificates": ["6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"]}})
            )
        );
    }

    #[test]
    fn timeout_forms() {
        let t = |b: SessionCreateParamsBuilder| {
            b.build().map(|s| s.timeout().map(SessionTimeout::as_secs))
        };
        assert_eq!(
            t(SessionCreateParams::builder().timeout_secs(60)),
            Ok(Some(60))
        );
        assert_eq!(
            t(SessionCreateParams::builder().timeout(Duration::from_secs(900))),
            Ok(Some(900))
        );
        let err = t(SessionCreateParams::builder().timeout(Duration::from_millis(120_250)))
            .expect_err("fraction");
        assert_eq!(
            err.to_string(),
            "1 invalid field; sessionCreateParams.timeout: must be whole seconds in 60..=900 (got 120.25s, which has a sub-second part)"
        );
        let err = serde_json::from_value::<SessionCreateParams>(json!({"timeout": 90.5}))
            .expect_err("fraction");
        assert!(
            err.to_string().contains(
                "sessionCreateParams.timeout: must be whole seconds in 60..=900 (got 90.5)"
            ),
            "{err}"
        );
    }
}
