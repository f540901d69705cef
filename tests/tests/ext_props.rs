//! Property tests: generated valid session settings are accepted, round-trip through JSON and
//! satisfy the generated (spec) types; generated invalid ones are rejected at the right path.

use bb_api_ext::{
    BrowserSettings, BrowserSize, Geolocation, Os, Proxy, SessionCreateParams,
    SessionCreateParamsBuilder,
};
use proptest::prelude::*;

fn country() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "US", "DE", "GB", "FR", "JP", "BR", "IN", "CA", "AU", "NL",
        ]),
        any::<bool>(),
    )
        .prop_map(|(c, lower)| {
            if lower {
                c.to_lowercase()
            } else {
                c.to_owned()
            }
        })
}

fn geolocation() -> impl Strategy<Value = Geolocation> {
    (
        country(),
        prop::option::of(prop::sample::select(vec!["NY", "ca", "DC", "PR"])),
        prop::option::of("[A-Z][a-z]{1,8}( [A-Z][a-z]{1,8})?"),
    )
        .prop_map(|(country, state, city)| {
            let us = country.eq_ignore_ascii_case("US");
            let mut g = Geolocation::country(country);
            if let (true, Some(s)) = (us, state) {
                g = g.state(s);
            }
            if let Some(c) = city {
                g = g.city(c);
            }
            g
        })
}

fn proxy() -> impl Strategy<Value = Proxy> {
    prop_oneof![
        (
            prop::option::of(geolocation()),
            prop::option::of("[a-z.*]{1,12}")
        )
            .prop_map(|(g, p)| {
                let mut b = Proxy::browserbase();
                if let Some(g) = g {
                    b = b.geolocation(g);
                }
                if let Some(p) = p {
                    b = b.domain_pattern(p);
                }
                Proxy::from(b)
            }),
        (
            "(http|https)://[a-z]{1,10}(\\.[a-z]{2,4})?(:[1-9][0-9]{1,3})?",
            prop::option::of(("[a-z]{1,8}", "[ -~]{1,16}"))
        )
            .prop_map(|(server, creds)| {
                let mut e = Proxy::external(server);
                if let Some((u, p)) = creds {
                    e = e.credentials(u, p);
                }
                Proxy::from(e)
            }),
        "[a-z]{1,10}".prop_map(|p| Proxy::from(Proxy::none().domain_pattern(p))),
    ]
}

fn browser_settings() -> impl Strategy<Value = BrowserSettings> {
    (
        prop::option::of(any::<bool>()),
        prop::option::of((1u32..=8000, 1u32..=8000)),
        prop::option::of(prop::sample::select(vec![
            Os::Windows,
            Os::Mac,
            Os::Linux,
            Os::Mobile,
            Os::Tablet,
        ])),
        prop::option::of(prop::sample::select(vec![
            BrowserSize::Small,
            BrowserSize::Medium,
            BrowserSize::Large,
        ])),
        prop::option::of(prop::collection::vec(
            "(\\*\\.)?[a-z]{1,10}(\\.[a-z]{2,5}){1,2}",
            0..4,
        )),
        prop::option::of(("[a-z_0-9]{1,12}", any::<bool>())),
    )
        .prop_map(|(ads, viewport, os, size, domains, ctx)| {
            let mut b = BrowserSettings::new();
            if let Some(a) = ads {
                b = b.block_ads(a).solve_captchas(!a);
            }
            if let Some((w, h)) = viewport {
                b = b.viewport(w, h);
            }
            if let Some(os) = os {
                b = b.os(os);
            }
            if let Some(size) = size {
                b = b.size(size);
            }
            if let Some(d) = domains {
                b = b.allowed_domains(d);
            }
            if let Some((id, persist)) = ctx {
                b = b.context(id, persist);
            }
            b
        })
}

fn valid_session() -> impl Strategy<Value = SessionCreateParamsBuilder> {
    (
        prop::option::of(60u64..=900),
        prop::option::of(browser_settings()),
        prop::option::of(prop::collection::vec(proxy(), 0..4)),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::collection::btree_map(
            "[a-z]{1,6}",
            any::<i32>(),
            0..4,
        )),
    )
        .prop_map(|(timeout, browser, proxies, use_proxy, meta)| {
            let mut s = SessionCreateParams::builder();
            if let Some(t) = timeout {
                s = s.timeout_secs(t);
            }
            if let Some(b) = browser {
                s = s.browser_settings(b);
            }
            match (proxies, use_proxy) {
                (Some(p), _) => s = s.proxies(p),
                (None, Some(u)) => s = s.use_proxy(u),
                _ => {}
            }
            if let Some(m) = meta {
                s = s.user_metadata(m);
            }
            s
        })
}

/// Removes, recursively, the keys the generated types skip when empty.
fn drop_empty_collections(value: &mut serde_json::Value) {
    const SKIPPED_WHEN_EMPTY: [&str; 4] = [
        "allowedDomains",
        "extensions",
        "caCertificates",
        "userMetadata",
    ];
    if let Some(map) = value.as_object_mut() {
        map.retain(|k, v| {
            let empty = v.as_array().is_some_and(Vec::is_empty)
                || v.as_object().is_some_and(serde_json::Map::is_empty);
            !(SKIPPED_WHEN_EMPTY.contains(&k.as_str()) && empty)
        });
        map.values_mut().for_each(drop_empty_collections);
    } else if let Some(items) = value.as_array_mut() {
        items.iter_mut().for_each(drop_empty_collections);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn valid_sessions_are_accepted_and_round_trip(builder in valid_session()) {
        let params = builder.build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let json = serde_json::to_string(&params).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back: SessionCreateParams = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
        prop_assert_eq!(&back, &params);
        prop_assert_eq!(serde_json::to_string(&back).ok(), Some(json.clone()));
        // What we send satisfies the spec's generated types, field for field.
        let generated: bb_api::types::FunctionsInvokeBodySessionCreateParams =
            serde_json::from_str(&json).map_err(|e| TestCaseError::fail(format!("spec rejects {json}: {e}")))?;
        let mut ours: serde_json::Value = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // The generated types drop empty lists and maps (typify's skip_serializing_if); we send
        // them when the caller set them, which the schema allows.
        drop_empty_collections(&mut ours);
        prop_assert_eq!(serde_json::to_value(&generated).ok(), Some(ours));
    }

    #[test]
    fn an_out_of_range_timeout_is_rejected_at_its_path(builder in valid_session(), secs in prop_oneof![0u64..60, 901u64..100_000]) {
        let err = builder.timeout_secs(secs).build().expect_err("out of range");
        prop_assert_eq!(err.violations().len(), 1);
        prop_assert_eq!(err.violations()[0].path(), "sessionCreateParams.timeout");
    }

    #[test]
    fn an_invalid_country_is_rejected_at_its_path(
        builder in valid_session(),
        bad in prop_oneof!["[A-Z]{3,4}", "[0-9]{2}", Just("UK".to_owned()), Just("EU".to_owned()), Just(String::new())],
        at in 0usize..3,
    ) {
        let mut proxies: Vec<Proxy> = (0..3).map(|_| Proxy::from(Proxy::none().domain_pattern("x"))).collect();
        proxies[at] = Proxy::from(Proxy::browserbase().geolocation(Geolocation::country(bad)));
        let err = builder.proxies(proxies).build().expect_err("bad country");
        prop_assert_eq!(err.violations().len(), 1);
        let want = format!("sessionCreateParams.proxies[{at}].geolocation.country");
        prop_assert_eq!(err.violations()[0].path(), want.as_str());
    }

    #[test]
    fn a_bad_allowed_domain_is_rejected_at_its_index(
        mut domains in prop::collection::vec("[a-z]{1,8}\\.com", 1..5),
        bad in prop_oneof!["https://[a-z]{1,5}\\.com", "[a-z]{1,5}\\.com/[a-z]{1,4}", "[a-z]{1,3} [a-z]{1,3}\\.com", "[a-z]{1,5}\\.com:[0-9]{2,4}"],
        at in 0usize..5,
    ) {
        let at = at % domains.len();
        domains[at] = bad;
        let err = SessionCreateParams::builder()
            .browser_settings(BrowserSettings::new().allowed_domains(domains))
            .build()
            .expect_err("bad domain");
        prop_assert_eq!(err.violations().len(), 1);
        let want = format!("sessionCreateParams.browserSettings.allowedDomains[{at}]");
        prop_assert_eq!(err.violations()[0].path(), want.as_str());
    }
}
