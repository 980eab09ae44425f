//! A configuration as a remote console's admin API shows it (`--server`), read back into the
//! domain's [`Configuration`] so that the local printers print it.

use anyhow::{Context as _, Result};
use scim_console_core::{Configuration, ConfigurationId};
use scim_console_server::admin::dto::ConfigurationView;
use serde_json::Value;

/// A configuration as the API shows it, for the local printers.
pub(crate) fn configuration(view: &Value) -> Result<Configuration> {
    let v: ConfigurationView = serde_json::from_value(view.clone())
        .context("the server's configuration is not one this version reads")?;
    Ok(Configuration {
        id: ConfigurationId::parse(&v.id)
            .with_context(|| format!("the server's configuration id \"{}\"", v.id))?,
        name: v.name,
        description: v.description,
        slug: v.slug,
        enabled: v.enabled,
        provision_users: v.provision_users,
        provision_groups: v.provision_groups,
        put_semantics: v.put_semantics.into(),
        keep_passwords: v.keep_passwords,
        protected_accounts: v.protected_accounts,
        token_policy: v.token_policy.into(),
        client_authentication: v.client_authentication,
        log_retention: v.log_retention.into(),
        client_profile: v.client_profile,
        compatibility: v.compatibility,
        created: v.created,
        updated: v.updated,
    })
}
