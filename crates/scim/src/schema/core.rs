//! The schemas RFC 7643 defines (§4, §8.7.1) as data: the common attributes, User, Group and
//! the EnterpriseUser extension. Descriptions follow the RFC, shortened.

use super::Schema;
use super::attribute::{
    AttributeDef, AttributeType as T, Mutability as M, Returned as R, Uniqueness as U,
};

/// The core User schema URN.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The EnterpriseUser extension URN.
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn string(name: &str) -> AttributeDef {
    AttributeDef::new(name, T::String)
}

fn boolean(name: &str) -> AttributeDef {
    AttributeDef::new(name, T::Boolean)
}

fn reference(name: &str, types: &[&str]) -> AttributeDef {
    AttributeDef::new(name, T::Reference).references(types)
}

fn complex(name: &str, subs: Vec<AttributeDef>) -> AttributeDef {
    AttributeDef::new(name, T::Complex).with_subs(subs)
}

/// A multi-valued complex attribute with the usual `value`, `display`, `type`, `primary`.
fn plural(name: &str, value: AttributeDef, types: &[&str], description: &str) -> AttributeDef {
    complex(
        name,
        vec![
            value,
            string("display").describe("A human-readable name, primarily used for display purposes."),
            string("type")
                .describe("A label indicating the attribute's function.")
                .canonical(types),
            boolean("primary").describe(
                "A Boolean value indicating the 'primary' or preferred attribute value for this attribute.",
            ),
        ],
    )
    .multi()
    .describe(description)
}

/// The attributes every resource has (RFC 7643 §3.1): `id`, `externalId`, `meta`.
///
/// They belong to no schema URN; a [`super::ResourceSchema`] consults them before the core
/// schema's own attributes.
pub fn common_attributes() -> Vec<AttributeDef> {
    vec![
        string("id")
            .describe("Unique identifier for the SCIM resource as defined by the service provider.")
            .case_exact()
            .mutability(M::ReadOnly)
            .returned(R::Always)
            .uniqueness(U::Server),
        string("externalId")
            .describe("Identifier for the resource as defined by the provisioning client.")
            .case_exact(),
        complex(
            "meta",
            vec![
                string("resourceType")
                    .describe("The name of the resource type of the resource.")
                    .case_exact()
                    .mutability(M::ReadOnly),
                AttributeDef::new("created", T::DateTime)
                    .describe("The DateTime that the resource was added to the service provider.")
                    .mutability(M::ReadOnly),
                AttributeDef::new("lastModified", T::DateTime)
                    .describe(
                        "The most recent DateTime that the details of this resource were updated.",
                    )
                    .mutability(M::ReadOnly),
                reference("location", &["uri"])
                    .describe("The URI of the resource being returned.")
                    .case_exact()
                    .mutability(M::ReadOnly),
                string("version")
                    .describe("The version (weak ETag) of the resource being returned.")
                    .case_exact()
                    .mutability(M::ReadOnly),
            ],
        )
        .describe("Resource metadata.")
        .mutability(M::ReadOnly),
    ]
}

/// The core User schema (RFC 7643 §4.1, §8.7.1).
#[allow(clippy::too_many_lines)] // One literal table of the RFC's attributes.
pub fn user_schema() -> Schema {
    let email_value = string("value").describe("Email address for the user.");
    let phone_value = string("value").describe("Phone number of the User.");
    let im_value = string("value").describe("Instant messaging address for the User.");
    let photo_value = reference("value", &["external"]).describe("URL of a photo of the User.");
    let entitlement_value = string("value").describe("The value of an entitlement.");
    let role_value = string("value").describe("The value of a role.");
    let cert_value =
        AttributeDef::new("value", T::Binary).describe("The value of an X.509 certificate.");
    Schema {
        id: USER_SCHEMA.to_owned(),
        name: "User".to_owned(),
        description: "User Account".to_owned(),
        attributes: vec![
            string("userName")
                .describe("Unique identifier for the User, typically used by the user to directly authenticate to the service provider.")
                .required()
                .uniqueness(U::Server),
            complex(
                "name",
                vec![
                    string("formatted").describe("The full name, including all middle names, titles, and suffixes as appropriate, formatted for display."),
                    string("familyName").describe("The family name of the User, or last name in most Western languages."),
                    string("givenName").describe("The given name of the User, or first name in most Western languages."),
                    string("middleName").describe("The middle name(s) of the User."),
                    string("honorificPrefix").describe("The honorific prefix(es) of the User, or title in most Western languages."),
                    string("honorificSuffix").describe("The honorific suffix(es) of the User, or suffix in most Western languages."),
                ],
            )
            .describe("The components of the user's real name."),
            string("displayName").describe("The name of the User, suitable for display to end-users."),
            string("nickName").describe("The casual way to address the user in real life."),
            reference("profileUrl", &["external"]).describe("A fully qualified URL pointing to a page representing the User's online profile."),
            string("title").describe("The user's title, such as \"Vice President\"."),
            string("userType").describe("Used to identify the relationship between the organization and the user."),
            string("preferredLanguage").describe("Indicates the User's preferred written or spoken language (e.g. en-US)."),
            string("locale").describe("Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations."),
            string("timezone").describe("The User's time zone in the 'Olson' time zone database format, e.g. 'America/Los_Angeles'."),
            boolean("active").describe("A Boolean value indicating the User's administrative status."),
            string("password")
                .describe("The User's cleartext password, used only to set or compare it; never returned.")
                .mutability(M::WriteOnly)
                .returned(R::Never),
            plural("emails", email_value, &["work", "home", "other"], "Email addresses for the user."),
            plural(
                "phoneNumbers",
                phone_value,
                &["work", "home", "mobile", "fax", "pager", "other"],
                "Phone numbers for the User.",
            ),
            plural(
                "ims",
                im_value,
                &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
                "Instant messaging addresses for the User.",
            ),
            plural("photos", photo_value, &["photo", "thumbnail"], "URLs of photos of the User."),
            complex(
                "addresses",
                vec![
                    string("formatted").describe("The full mailing address, formatted for display or use with a mailing label."),
                    string("streetAddress").describe("The full street address component."),
                    string("locality").describe("The city or locality component."),
                    string("region").describe("The state or region component."),
                    string("postalCode").describe("The zip code or postal code component."),
                    string("country").describe("The country name component (ISO 3166-1 alpha-2)."),
                    string("type")
                        .describe("A label indicating the attribute's function.")
                        .canonical(&["work", "home", "other"]),
                    boolean("primary").describe("A Boolean value indicating the primary address."),
                ],
            )
            .multi()
            .describe("A physical mailing address for this User."),
            complex(
                "groups",
                vec![
                    string("value").describe("The identifier of the User's group.").mutability(M::ReadOnly),
                    reference("$ref", &["User", "Group"])
                        .describe("The URI of the corresponding 'Group' resource.")
                        .mutability(M::ReadOnly),
                    string("display").describe("A human-readable name.").mutability(M::ReadOnly),
                    string("type")
                        .describe("A label indicating the attribute's function.")
                        .canonical(&["direct", "indirect"])
                        .mutability(M::ReadOnly),
                ],
            )
            .multi()
            .mutability(M::ReadOnly)
            .describe("A list of groups to which the user belongs."),
            // RFC 7643 defines no types for these three; the interoperability profile (§5.4)
            // asks every `type` to list its values, so these are suggestions (any is accepted).
            plural(
                "entitlements",
                entitlement_value,
                &["application", "license", "feature"],
                "A list of entitlements for the User.",
            ),
            plural(
                "roles",
                role_value,
                &["WindowsAzureActiveDirectoryRole", "application", "directory"],
                "A list of roles for the User.",
            ),
            plural(
                "x509Certificates",
                cert_value,
                &["signing", "encryption", "authentication"],
                "A list of certificates issued to the User.",
            ),
        ],
    }
}

/// The core Group schema (RFC 7643 §4.2, §8.7.1).
pub fn group_schema() -> Schema {
    Schema {
        id: GROUP_SCHEMA.to_owned(),
        name: "Group".to_owned(),
        description: "Group".to_owned(),
        attributes: vec![
            string("displayName")
                .describe("A human-readable name for the Group.")
                .required(),
            complex(
                "members",
                vec![
                    string("value")
                        .describe("Identifier of the member of this Group.")
                        .case_exact()
                        .mutability(M::Immutable),
                    reference("$ref", &["User", "Group"])
                        .describe("The URI corresponding to a SCIM resource that is a member of this Group.")
                        .mutability(M::Immutable),
                    string("display")
                        .describe("A human-readable name of the member.")
                        .mutability(M::Immutable),
                    string("type")
                        .describe("A label indicating the type of resource.")
                        .canonical(&["User", "Group"])
                        .mutability(M::Immutable),
                ],
            )
            .multi()
            .describe("A list of members of the Group."),
        ],
    }
}

/// The EnterpriseUser extension (RFC 7643 §4.3).
pub fn enterprise_user_schema() -> Schema {
    Schema {
        id: ENTERPRISE_USER_SCHEMA.to_owned(),
        name: "EnterpriseUser".to_owned(),
        description: "Enterprise User".to_owned(),
        attributes: vec![
            string("employeeNumber")
                .describe("Numeric or alphanumeric identifier assigned to a person."),
            string("costCenter").describe("Identifies the name of a cost center."),
            string("organization").describe("Identifies the name of an organization."),
            string("division").describe("Identifies the name of a division."),
            string("department").describe("Identifies the name of a department."),
            complex(
                "manager",
                vec![
                    string("value")
                        .describe("The id of the SCIM resource representing the User's manager.")
                        .case_exact(),
                    reference("$ref", &["User"])
                        .describe("The URI of the SCIM resource representing the User's manager."),
                    string("displayName")
                        .describe("The displayName of the User's manager.")
                        .mutability(M::ReadOnly),
                ],
            )
            .describe("The User's manager."),
        ],
    }
}
