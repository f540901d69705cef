//! Country and US state codes, for validating proxy geolocation.
//!
//! Generated from Debian's `iso-codes` 4.15.0 (`/usr/share/iso-codes/json/iso_3166-1.json` and
//! `iso_3166-2.json`), the maintained ISO 3166 data most Linux distributions ship. To refresh: regenerate
//! the tables from a newer `iso-codes`, keep `COUNTRIES` and `US_STATES` sorted (lookups are binary
//! searches) and `ALPHA3` in `COUNTRIES`' order.

/// The 249 officially assigned ISO 3166-1 alpha-2 codes, sorted.
pub(crate) const COUNTRIES: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// The alpha-3 code of each country in [`COUNTRIES`], in the same order (`ALPHA3[i]` is the
/// alpha-3 code of `COUNTRIES[i]`): from the same `iso-codes` file, used only to suggest the
/// alpha-2 code when an alpha-3 one is given.
const ALPHA3: [&str; 249] = [
    "AND", "ARE", "AFG", "ATG", "AIA", "ALB", "ARM", "AGO", "ATA", "ARG", "ASM", "AUT", "AUS",
    "ABW", "ALA", "AZE", "BIH", "BRB", "BGD", "BEL", "BFA", "BGR", "BHR", "BDI", "BEN", "BLM",
    "BMU", "BRN", "BOL", "BES", "BRA", "BHS", "BTN", "BVT", "BWA", "BLR", "BLZ", "CAN", "CCK",
    "COD", "CAF", "COG", "CHE", "CIV", "COK", "CHL", "CMR", "CHN", "COL", "CRI", "CUB", "CPV",
    "CUW", "CXR", "CYP", "CZE", "DEU", "DJI", "DNK", "DMA", "DOM", "DZA", "ECU", "EST", "EGY",
    "ESH", "ERI", "ESP", "ETH", "FIN", "FJI", "FLK", "FSM", "FRO", "FRA", "GAB", "GBR", "GRD",
    "GEO", "GUF", "GGY", "GHA", "GIB", "GRL", "GMB", "GIN", "GLP", "GNQ", "GRC", "SGS", "GTM",
    "GUM", "GNB", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IRL", "ISR", "IMN",
    "IND", "IOT", "IRQ", "IRN", "ISL", "ITA", "JEY", "JAM", "JOR", "JPN", "KEN", "KGZ", "KHM",
    "KIR", "COM", "KNA", "PRK", "KOR", "KWT", "CYM", "KAZ", "LAO", "LBN", "LCA", "LIE", "LKA",
    "LBR", "LSO", "LTU", "LUX", "LVA", "LBY", "MAR", "MCO", "MDA", "MNE", "MAF", "MDG", "MHL",
    "MKD", "MLI", "MMR", "MNG", "MAC", "MNP", "MTQ", "MRT", "MSR", "MLT", "MUS", "MDV", "MWI",
    "MEX", "MYS", "MOZ", "NAM", "NCL", "NER", "NFK", "NGA", "NIC", "NLD", "NOR", "NPL", "NRU",
    "NIU", "NZL", "OMN", "PAN", "PER", "PYF", "PNG", "PHL", "PAK", "POL", "SPM", "PCN", "PRI",
    "PSE", "PRT", "PLW", "PRY", "QAT", "REU", "ROU", "SRB", "RUS", "RWA", "SAU", "SLB", "SYC",
    "SDN", "SWE", "SGP", "SHN", "SVN", "SJM", "SVK", "SLE", "SMR", "SEN", "SOM", "SUR", "SSD",
    "STP", "SLV", "SXM", "SYR", "SWZ", "TCA", "TCD", "ATF", "TGO", "THA", "TJK", "TKL", "TLS",
    "TKM", "TUN", "TON", "TUR", "TTO", "TUV", "TWN", "TZA", "UKR", "UGA", "UMI", "USA", "URY",
    "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "YEM", "MYT", "ZAF",
    "ZMB", "ZWE",
];

/// The ISO 3166-2:US subdivision codes (without `US-`), sorted: the 50 states, DC and the 6 outlying
/// areas (AS, GU, MP, PR, UM, VI).
pub(crate) const US_STATES: [&str; 57] = [
    "AK", "AL", "AR", "AS", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "GU", "HI", "IA", "ID",
    "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MP", "MS", "MT", "NC", "ND",
    "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA", "PR", "RI", "SC", "SD", "TN", "TX",
    "UM", "UT", "VA", "VI", "VT", "WA", "WI", "WV", "WY",
];

/// Whether `code` (upper case) is an assigned ISO 3166-1 alpha-2 country code.
pub(crate) fn is_country(code: &str) -> bool {
    COUNTRIES.binary_search(&code).is_ok()
}

/// The assigned code someone who wrote `code` (upper case, not assigned) most likely meant, where
/// there is an obvious one: the alpha-2 code for an alpha-3 one (`USA` → `US`), and the two codes
/// ISO 3166 reserves for a country that has another (`UK` → `GB`, `EL` → `GR`: the EU's codes for
/// the United Kingdom and Greece).
pub(crate) fn suggest_country(code: &str) -> Option<&'static str> {
    match code {
        "UK" => Some("GB"),
        "EL" => Some("GR"),
        _ => ALPHA3
            .iter()
            .position(|a3| *a3 == code)
            .map(|i| COUNTRIES[i]),
    }
}

/// Whether `code` (upper case) is a US state, DC or territory code.
pub(crate) fn is_us_state(code: &str) -> bool {
    US_STATES.binary_search(&code).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_sized() {
        assert!(COUNTRIES.windows(2).all(|w| w[0] < w[1]));
        assert!(US_STATES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(US_STATES.len(), 57);
    }

    #[test]
    fn alpha3_codes_line_up_with_alpha2() {
        assert!(ALPHA3.iter().all(|c| c.len() == 3));
        let mut sorted = ALPHA3;
        sorted.sort_unstable();
        assert!(sorted.windows(2).all(|w| w[0] < w[1]), "duplicates");
        for (a3, a2) in [
            ("USA", "US"),
            ("DEU", "DE"),
            ("GBR", "GB"),
            ("AUT", "AT"),
            ("AUS", "AU"),
            ("CHE", "CH"),
            ("ZWE", "ZW"),
            ("ALA", "AX"),
            ("SSD", "SS"),
        ] {
            assert_eq!(suggest_country(a3), Some(a2), "{a3}");
        }
        assert_eq!(suggest_country("UK"), Some("GB"));
        assert_eq!(suggest_country("EL"), Some("GR"));
        for none in ["EU", "XK", "ZZ", "XXX", "", "U"] {
            assert_eq!(suggest_country(none), None, "{none}");
        }
    }

    #[test]
    fn lookups() {
        for ok in ["US", "DE", "GB", "JP", "AX", "SS"] {
            assert!(is_country(ok), "{ok}");
        }
        // UK, EU and XK are reserved or user-assigned, not officially assigned codes.
        for bad in ["UK", "EU", "XK", "ZZ", "us", "USA", ""] {
            assert!(!is_country(bad), "{bad}");
        }
        for ok in ["NY", "CA", "DC", "PR", "GU", "VI"] {
            assert!(is_us_state(ok), "{ok}");
        }
        for bad in ["XX", "ny", "ON", "N"] {
            assert!(!is_us_state(bad), "{bad}");
        }
    }
}
