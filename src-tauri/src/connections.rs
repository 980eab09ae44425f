//! The consoles this app shows: the local one (in-process) and remote ones — each a
//! `scim-console serve` reached over TLS (trusted by the system, or a self-signed certificate
//! pinned by fingerprint) and signed in with a personal API token kept in the OS keychain. The
//! list (no secret) is `DATA_DIR/connections.json`; a remote's UI is shown through a loopback
//! proxy (`scim_console_server::remote::proxy`) the window alone may use.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use scim_console_server::remote::browser_sign_in::BrowserSignIn;
use scim_console_server::remote::certificate::{self, RemoteClient};
use scim_console_server::remote::proxy::{Proxy, ProxyTarget};
use scim_console_server::remote::{Fingerprint, RemoteError, RemoteUrl, Secret, Trust, secret};
use serde::{Deserialize, Serialize};

/// The colours a connection may take: dark enough for white text (production must not look
/// like QA).
pub const COLOURS: [&str; 6] = [
    "#c92a2a", "#d9480f", "#2b8a3e", "#1864ab", "#5f3dc4", "#495057",
];

/// The longest name a connection may have.
const MAX_NAME: usize = 80;

/// How a connection trusts its console's certificate, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StoredTrust {
    /// The system's trust (or plain http to this machine).
    System,
    /// This certificate only.
    Pinned(Fingerprint),
}

impl Connection {
    /// A client to its console, with the trust it keeps.
    pub fn client(&self) -> Result<RemoteClient, ConnectionError> {
        let url = RemoteUrl::parse(&self.url)?;
        Ok(RemoteClient::new(
            &url,
            &self.trust.trust(),
            "desktop connection",
        )?)
    }
}

impl StoredTrust {
    fn trust(&self) -> Trust {
        match self {
            Self::System => Trust::System,
            Self::Pinned(f) => Trust::Pinned(f.clone()),
        }
    }
}

/// A remote console in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// Its id (the keychain entry's name).
    pub id: String,
    /// What the admin calls it.
    pub name: String,
    /// Its colour (one of [`COLOURS`]).
    pub colour: String,
    /// The console's address.
    pub url: String,
    /// Which certificate it accepts.
    pub trust: StoredTrust,
    /// Who the token signs in as.
    pub signed_in_as: String,
}

/// A connection to add, as the connections page sends it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewConnection {
    /// Its name.
    pub name: String,
    /// Its colour.
    pub colour: String,
    /// The console's address.
    pub url: String,
    /// The personal API token (none when signing in in the browser).
    #[serde(default)]
    pub token: String,
    /// The fingerprint the admin confirmed, for a certificate this system does not trust.
    pub fingerprint: Option<String>,
}

impl std::fmt::Debug for NewConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token never reaches a log line.
        f.debug_struct("NewConnection")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("token", &"***")
            .finish_non_exhaustive()
    }
}

/// Why a connection command failed: words, and for a certificate that changed, both
/// fingerprints (the page offers to trust the new one).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionError {
    /// What went wrong.
    pub message: String,
    /// The field at fault (`url`, `token`, `name`, `fingerprint`).
    pub field: Option<&'static str>,
    /// The fingerprint presented, when the certificate is untrusted or changed.
    pub presented: Option<Fingerprint>,
    /// The fingerprint pinned before, when it changed.
    pub pinned: Option<Fingerprint>,
}

impl ConnectionError {
    fn field(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            field: Some(field),
            presented: None,
            pinned: None,
        }
    }

    fn plain(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            field: None,
            presented: None,
            pinned: None,
        }
    }
}

impl From<RemoteError> for ConnectionError {
    fn from(error: RemoteError) -> Self {
        let message = error.to_string();
        match error {
            RemoteError::Address(reason) => Self::field("url", reason),
            RemoteError::CertificateChanged { pinned, presented } => Self {
                message,
                field: None,
                presented: Some(presented),
                pinned: Some(pinned),
            },
            RemoteError::Untrusted { presented } => Self {
                message,
                field: None,
                presented: Some(presented),
                pinned: None,
            },
            RemoteError::Unreachable { .. } => Self::field("url", message),
            RemoteError::Refused(_) => Self::plain(message),
        }
    }
}

/// A sign-in's failure, with a refusal put on the token (the page then asks for another).
fn token_refused(error: RemoteError) -> ConnectionError {
    match error {
        RemoteError::Refused(m) => ConnectionError::field("token", m),
        e => e.into(),
    }
}

/// The app's connections, and the proxy of the remote shown.
pub struct Connections {
    path: PathBuf,
    list: Mutex<Vec<Connection>>,
    proxies: Mutex<HashMap<String, Proxy>>,
    home: Mutex<Option<String>>,
    local_token: Mutex<Option<Secret>>,
    /// The browser sign-in under way, if any (one at a time).
    pending: Mutex<Option<PendingSignIn>>,
    /// Told when the admin cancels the sign-in under way.
    cancelled: tokio::sync::Notify,
}

/// How long a browser sign-in may take before the app stops waiting.
const SIGN_IN_WAIT: std::time::Duration = std::time::Duration::from_secs(600);

/// A connection's fields checked, before it signs in.
struct Checked {
    name: String,
    colour: String,
    url: RemoteUrl,
    trust: StoredTrust,
}

/// What a browser sign-in is for.
enum SignInFor {
    /// A connection to add.
    New(Checked),
    /// A connection in the list, whose token is to be replaced (expired, revoked).
    Again(Connection),
}

/// A browser sign-in under way: the connection it is for, and its listener.
struct PendingSignIn {
    target: SignInFor,
    client: RemoteClient,
    sign_in: BrowserSignIn,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Connections {
    /// The connections kept in `data_dir` (none when the file is missing or unreadable; an
    /// unreadable one is logged and left in place).
    pub fn load(data_dir: &Path) -> Self {
        let path = data_dir.join("connections.json");
        let list = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).unwrap_or_else(|error| {
                // Kept aside, not overwritten by the next save: nothing is lost.
                let aside = path.with_extension("json.unreadable");
                let kept = std::fs::rename(&path, &aside).is_ok();
                tracing::warn!(%error, path = %path.display(), aside = %aside.display(), kept, "the connection list is unreadable: starting with none, the file kept aside");
                Vec::new()
            }),
            Err(_) => Vec::new(),
        };
        Self {
            path,
            list: Mutex::new(list),
            proxies: Mutex::new(HashMap::new()),
            home: Mutex::new(None),
            local_token: Mutex::new(None),
            pending: Mutex::new(None),
            cancelled: tokio::sync::Notify::new(),
        }
    }

    /// Sets where the window finds this machine's console (its origin), and the per-launch
    /// admin token the tray reads its configurations with.
    pub fn set_home(&self, origin: &str, admin_token: Secret) {
        *lock(&self.home) = Some(origin.trim_end_matches('/').to_owned());
        *lock(&self.local_token) = Some(admin_token);
    }

    /// A client to this machine's console and its admin token, once it runs.
    pub fn local(&self) -> Option<(RemoteClient, Secret)> {
        let home = self.home()?;
        let token = lock(&self.local_token).clone()?;
        let url = RemoteUrl::parse(&home).ok()?;
        let client = RemoteClient::new(&url, &Trust::System, "desktop tray").ok()?;
        Some((client, token))
    }

    /// This machine's console's origin, once it runs.
    pub fn home(&self) -> Option<String> {
        lock(&self.home).clone()
    }

    /// The connections.
    pub fn list(&self) -> Vec<Connection> {
        lock(&self.list).clone()
    }

    /// The connection whose proxy serves `origin` (`http://localhost:<port>`).
    pub fn shown_at(&self, origin: &str) -> Option<Connection> {
        let proxies = lock(&self.proxies);
        let id = proxies
            .iter()
            .find(|(_, p)| p.origin() == origin)
            .map(|(id, _)| id.clone())?;
        drop(proxies);
        self.find(&id).ok()
    }

    fn find(&self, id: &str) -> Result<Connection, ConnectionError> {
        lock(&self.list)
            .iter()
            .find(|c| c.id == id)
            .cloned()
            .ok_or_else(|| ConnectionError::plain(format!("no connection {id}")))
    }

    fn save(&self, list: &[Connection]) -> Result<(), ConnectionError> {
        let text = serde_json::to_string_pretty(list)
            .map_err(|e| ConnectionError::plain(format!("the connection list: {e}")))?;
        let temporary = self.path.with_extension("json.tmp");
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &self.path))
            .map_err(|e| {
                ConnectionError::plain(format!("could not write {}: {e}", self.path.display()))
            })
    }

    /// A new connection's name, colour, address and certificate checked.
    fn check(&self, new: &NewConnection) -> Result<Checked, ConnectionError> {
        let name = new.name.trim().to_owned();
        if name.is_empty() {
            return Err(ConnectionError::field("name", "a connection needs a name"));
        }
        if name.chars().count() > MAX_NAME {
            return Err(ConnectionError::field(
                "name",
                format!("at most {MAX_NAME} characters (the title bar shows it)"),
            ));
        }
        if lock(&self.list)
            .iter()
            .any(|c| c.name.eq_ignore_ascii_case(&name))
        {
            return Err(ConnectionError::field(
                "name",
                format!("a connection is called {name} already"),
            ));
        }
        if !COLOURS.contains(&new.colour.as_str()) {
            return Err(ConnectionError::field(
                "colour",
                format!("one of {}", COLOURS.join(", ")),
            ));
        }
        let url = RemoteUrl::parse(&new.url)?;
        let trust = match new.fingerprint.as_deref().map(str::trim) {
            Some(f) if !f.is_empty() => StoredTrust::Pinned(
                Fingerprint::parse(f)
                    .map_err(|e| ConnectionError::field("fingerprint", e.to_string()))?,
            ),
            _ => StoredTrust::System,
        };
        Ok(Checked {
            name,
            colour: new.colour.clone(),
            url,
            trust,
        })
    }

    /// Adds a connection: the console answers, its certificate is trusted (or the confirmed
    /// one), the token signs in; then the token goes to the keychain and the connection to the
    /// list.
    pub async fn add(&self, new: NewConnection) -> Result<Connection, ConnectionError> {
        let checked = self.check(&new)?;
        let token = new.token.trim();
        if token.is_empty() {
            return Err(ConnectionError::field(
                "token",
                "a personal API token is needed: create one on that console's Account page",
            ));
        }
        let client = RemoteClient::new(&checked.url, &checked.trust.trust(), "desktop connection")?;
        client.version().await?;
        self.complete(checked, &client, Secret::new(token.to_owned()))
            .await
    }

    /// Starts signing a new connection in through its console's identity provider in the
    /// system browser, for this computer (`device`, the token's name): the console's sign-in
    /// page to open. A sign-in already under way is dropped.
    pub async fn begin_sign_in(
        &self,
        new: NewConnection,
        device: &str,
    ) -> Result<String, ConnectionError> {
        let checked = self.check(&new)?;
        let client = RemoteClient::new(&checked.url, &checked.trust.trust(), "desktop connection")?;
        client.version().await?;
        let sign_in = BrowserSignIn::start(&checked.url, device).await?;
        let url = sign_in.url().to_owned();
        *lock(&self.pending) = Some(PendingSignIn {
            target: SignInFor::New(checked),
            client,
            sign_in,
        });
        Ok(url)
    }

    /// Starts signing the connection `id` in again in the system browser (its token expired
    /// or was revoked): the console's sign-in page to open.
    pub async fn begin_sign_in_again(
        &self,
        id: &str,
        device: &str,
    ) -> Result<String, ConnectionError> {
        let connection = self.find(id)?;
        let client = connection.client()?;
        client.version().await?;
        let url = RemoteUrl::parse(&connection.url)?;
        let sign_in = BrowserSignIn::start(&url, device).await?;
        let page = sign_in.url().to_owned();
        *lock(&self.pending) = Some(PendingSignIn {
            target: SignInFor::Again(connection),
            client,
            sign_in,
        });
        Ok(page)
    }

    /// Replaces the token of the connection `id` with `token` (a new personal API token),
    /// once it signs in.
    pub async fn set_token(&self, id: &str, token: &str) -> Result<Connection, ConnectionError> {
        let connection = self.find(id)?;
        let token = token.trim();
        if token.is_empty() {
            return Err(ConnectionError::field(
                "token",
                "a personal API token is needed: create one on that console's Account page",
            ));
        }
        let client = connection.client()?;
        self.renew(connection, &client, Secret::new(token.to_owned()))
            .await
    }

    /// Signs `connection` in with `token`, keeps the token in the keychain in place of the old
    /// one, and notes who it signs in as.
    async fn renew(
        &self,
        mut connection: Connection,
        client: &RemoteClient,
        token: Secret,
    ) -> Result<Connection, ConnectionError> {
        connection.signed_in_as = client
            .sign_in(token.expose())
            .await
            .map_err(token_refused)?;
        secret::keep(&connection.id, &token).await?;
        let list: Vec<Connection> = self
            .list()
            .into_iter()
            .map(|c| {
                if c.id == connection.id {
                    connection.clone()
                } else {
                    c
                }
            })
            .collect();
        self.save(&list)?;
        *lock(&self.list) = list;
        Ok(connection)
    }

    /// Waits (up to ten minutes) for the browser sign-in under way to come back, and adds
    /// its connection with the token it bought (or gives the connection signed in again its
    /// new token).
    pub async fn finish_sign_in(&self) -> Result<Connection, ConnectionError> {
        let Some(pending) = lock(&self.pending).take() else {
            return Err(ConnectionError::plain(
                "no sign-in is under way: start it again",
            ));
        };
        let token = tokio::select! {
            token = pending.sign_in.finish(&pending.client) => token?,
            () = self.cancelled.notified() => {
                return Err(ConnectionError::plain("the sign-in was cancelled"));
            }
            () = tokio::time::sleep(SIGN_IN_WAIT) => {
                return Err(ConnectionError::plain(
                    "the sign-in took more than ten minutes: start it again",
                ));
            }
        };
        match pending.target {
            SignInFor::New(checked) => self.complete(checked, &pending.client, token).await,
            SignInFor::Again(connection) => self.renew(connection, &pending.client, token).await,
        }
    }

    /// Stops waiting for the browser sign-in under way.
    pub fn cancel_sign_in(&self) {
        lock(&self.pending).take();
        self.cancelled.notify_waiters();
    }

    /// Signs a checked connection in with `token`, keeps the token in the keychain and the
    /// connection in the list.
    async fn complete(
        &self,
        checked: Checked,
        client: &RemoteClient,
        token: Secret,
    ) -> Result<Connection, ConnectionError> {
        let signed_in_as = client
            .sign_in(token.expose())
            .await
            .map_err(token_refused)?;
        let connection = Connection {
            id: new_id(),
            name: checked.name,
            colour: checked.colour,
            url: checked.url.to_string(),
            trust: checked.trust,
            signed_in_as,
        };
        secret::keep(&connection.id, &token).await?;
        let mut list = self.list();
        list.push(connection.clone());
        if let Err(error) = self.save(&list) {
            let _ = secret::forget(&connection.id).await;
            return Err(error);
        }
        *lock(&self.list) = list;
        Ok(connection)
    }

    /// Removes a connection and its token.
    pub async fn remove(&self, id: &str) -> Result<(), ConnectionError> {
        self.find(id)?;
        let list: Vec<Connection> = self.list().into_iter().filter(|c| c.id != id).collect();
        self.save(&list)?;
        *lock(&self.list) = list;
        if let Some(proxy) = lock(&self.proxies).remove(id) {
            proxy.stop();
        }
        secret::forget(id).await?;
        Ok(())
    }

    /// Trusts the certificate a connection's console presents now, once the admin compared
    /// `fingerprint` with the one `serve` printed; refused when it is not the one presented.
    pub async fn trust(&self, id: &str, fingerprint: &str) -> Result<Connection, ConnectionError> {
        let mut connection = self.find(id)?;
        let confirmed = Fingerprint::parse(fingerprint)
            .map_err(|e| ConnectionError::field("fingerprint", e.to_string()))?;
        let url = RemoteUrl::parse(&connection.url)?;
        // Pinned to the confirmed one: the handshake proves the server presents it.
        let client = RemoteClient::new(
            &url,
            &Trust::Pinned(confirmed.clone()),
            "desktop connection",
        )?;
        client.version().await?;
        connection.trust = StoredTrust::Pinned(confirmed);
        let list: Vec<Connection> = self
            .list()
            .into_iter()
            .map(|c| if c.id == id { connection.clone() } else { c })
            .collect();
        self.save(&list)?;
        *lock(&self.list) = list;
        Ok(connection)
    }

    /// Opens a connection: checks its certificate and token, starts its proxy, and answers
    /// the one-time link the window goes to.
    pub async fn open(&self, id: &str) -> Result<String, ConnectionError> {
        let connection = self.find(id)?;
        let client = connection.client()?;
        let version = client.version().await?;
        let token = secret::read(id).await?;
        // A token refused (expired, revoked) is the page's cue to sign in again.
        client
            .sign_in(token.expose())
            .await
            .map_err(token_refused)?;
        let home = self
            .home()
            .map(|h| format!("{h}/connections"))
            .unwrap_or_default();
        let proxy = Proxy::start(ProxyTarget {
            name: connection.name.clone(),
            colour: connection.colour.clone(),
            client,
            token,
            version,
            home,
        })
        .await?;
        let link = proxy.open_link();
        // The proxy shown before (if any) stops: one remote at a time holds a port.
        let previous = lock(&self.proxies).insert(id.to_owned(), proxy);
        if let Some(previous) = previous {
            previous.stop();
        }
        Ok(link)
    }
}

/// A first look at a console (before any secret is sent): its version and certificate.
pub async fn probe(url: &str) -> Result<certificate::Probe, ConnectionError> {
    let url = RemoteUrl::parse(url)?;
    Ok(certificate::probe(&url).await?)
}

fn new_id() -> String {
    use std::fmt::Write as _;
    rand::random::<[u8; 8]>()
        .iter()
        .fold(String::from("con_"), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_keeps_no_secret_and_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let connections = Connections::load(dir.path());
        assert!(connections.list().is_empty());
        let one = Connection {
            id: "con_1".into(),
            name: "Production".into(),
            colour: COLOURS[0].into(),
            url: "https://scim.contoso.com".into(),
            trust: StoredTrust::Pinned(Fingerprint::parse(&"AB".repeat(32)).unwrap()),
            signed_in_as: "ops@contoso.com".into(),
        };
        connections.save(std::slice::from_ref(&one)).unwrap();
        let again = Connections::load(dir.path());
        assert_eq!(again.list(), [one]);
        let text = std::fs::read_to_string(dir.path().join("connections.json")).unwrap();
        assert!(text.contains("\"pinned\""), "{text}");
        assert!(!text.contains("token"), "{text}");
        // A list that cannot be read is kept aside, not overwritten by the next save.
        std::fs::write(dir.path().join("connections.json"), "{not json").unwrap();
        let damaged = Connections::load(dir.path());
        assert!(damaged.list().is_empty());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("connections.json.unreadable")).unwrap(),
            "{not json"
        );
        damaged.save(&[]).unwrap();
        assert!(dir.path().join("connections.json.unreadable").exists());
    }
}
