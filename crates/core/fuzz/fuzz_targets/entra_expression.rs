//! Any text as an Entra ID attribute-mapping expression: it parses or fails with an error whose
//! span lies inside the text (and can be pointed at); a parsed expression evaluates for a
//! sample user to a value or an error, never a panic.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use scim_console_core::mapping::expression::{Context, Expression};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Expression::parse(text) {
        Ok(expression) => {
            let _ = expression.attributes();
            let user = serde_json::json!({
                "userPrincipalName": "John.Doe@contoso.com",
                "givenName": "Zoë",
                "surname": "Doe",
                "mail": "",
                "employeeId": "00042",
                "accountEnabled": true,
                "IsSoftDeleted": "False",
                "hireDate": "2020-03-16-07:00",
                "extensionAttribute1": ["a", "b"],
                "manager": null,
                "count": 7,
            });
            let user = user.as_object().expect("an object");
            let taken = |value: &str| value.len() % 2 == 0;
            let context = Context {
                now: NaiveDate::from_ymd_opt(2026, 11, 30)
                    .and_then(|d| d.and_hms_opt(10, 0, 0))
                    .expect("a valid time"),
                is_unique: Some(&taken),
            };
            if let Ok(value) = expression.evaluate(user, &context) {
                let _ = value.as_text();
                let _ = value.to_json();
                let _ = value.to_string();
            }
        }
        Err(error) => {
            assert!(
                error.span.start <= error.span.end && error.span.end <= text.len(),
                "span {:?} outside {} bytes",
                error.span,
                text.len()
            );
            let _ = error.pointer(text);
        }
    }
});
