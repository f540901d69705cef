//! Comparing two specs: classified spec changes plus the generated Rust API before and after.

use serde_norway::Value;

use crate::api_listing::{self, ApiItem};
use crate::report::Report;
use crate::spec_diff::{self, Doc};
use crate::{api_diff, validate};

/// The generated public API of a spec (validating it first).
pub fn public_api(doc: &Value) -> Result<Vec<ApiItem>, String> {
    let valid = validate::validate(doc)?;
    api_listing::listing(&valid.generated.client, &valid.generated.httpmock)
}

/// The full change report from `old` to `new`.
pub fn compare(
    old_label: &str,
    old: &Value,
    new_label: &str,
    new: &Value,
) -> Result<Report, String> {
    let old_api = public_api(old).map_err(|e| format!("{old_label}: {e}"))?;
    let new_api = public_api(new).map_err(|e| format!("{new_label}: {e}"))?;
    let spec_changes = spec_diff::diff(&Doc::new(old)?, &Doc::new(new)?);
    Ok(Report::new(
        old_label,
        new_label,
        spec_changes,
        api_diff::diff(&old_api, &new_api),
    ))
}
