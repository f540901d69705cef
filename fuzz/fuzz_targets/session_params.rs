//! Arbitrary bytes as session settings JSON: parsing never panics, and whatever parses (and so
//! passed validation) serializes to JSON that parses back to the same settings.

#![no_main]

use bb_api_ext::SessionCreateParams;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(params) = serde_json::from_slice::<SessionCreateParams>(data) else {
        return;
    };
    let json = serde_json::to_vec(&params).expect("validated settings serialize");
    let again: SessionCreateParams =
        serde_json::from_slice(&json).expect("serialized settings parse back");
    assert_eq!(again, params);
});
