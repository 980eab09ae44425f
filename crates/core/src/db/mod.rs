//! The SQL layer the store runs on: one API over SQLite and PostgreSQL (sqlx), so that every
//! statement is written once. Statements use SQLite's placeholders (`?`, `?N`), rewritten to
//! `$N` for PostgreSQL; values bind as [`Param`]s and rows read as [`Row`]s, whose integers
//! decode from any integer column type. Where the dialects differ, a statement asks
//! [`Dialect`].
//!
//! SQLite has one writer: its writes go through one dedicated connection, queued in-process
//! (no busy retries), while reads share a pool. PostgreSQL takes writes from a pool of writer
//! connections apart from the readers', in every instance at once, so a read-modify-write locks
//! its rows (`FOR UPDATE`).

mod builder;
pub(crate) mod param;
mod placeholders;
pub(crate) mod row;

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection as _, PgPool, Postgres, Sqlite, SqlitePool};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub(crate) use builder::QueryBuilder;
pub(crate) use param::{Encode, Param};
pub(crate) use row::{Decode, Row};

/// Which SQL a database speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (the default: a file in the data directory).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Dialect {
    /// `" FOR UPDATE"` where rows read for a change must be locked against other writers
    /// (PostgreSQL); nothing in SQLite, whose single writer already excludes them.
    pub(crate) fn for_update(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => " FOR UPDATE",
        }
    }
}

/// A database: pools and, for SQLite, the writer.
#[derive(Debug, Clone)]
pub(crate) enum Db {
    /// A SQLite file.
    Sqlite {
        /// Connections for reading.
        pool: SqlitePool,
        /// The one connection every write goes through.
        writer: Arc<Mutex<SqliteConnection>>,
    },
    /// A PostgreSQL database.
    Postgres {
        /// Connections for reading.
        pool: PgPool,
        /// Connections for writing, apart from the readers as SQLite's writer is: a write
        /// that reads (a plan's uniqueness check) while it holds its transaction never waits
        /// for a connection that another waiting write holds.
        writers: PgPool,
    },
}

impl Db {
    /// The dialect.
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Self::Sqlite { .. } => Dialect::Sqlite,
            Self::Postgres { .. } => Dialect::Postgres,
        }
    }

    /// A connection for writing: SQLite's writer (waiting for it), or a pooled PostgreSQL
    /// connection.
    pub(crate) async fn writer(&self) -> sqlx::Result<Conn> {
        Ok(Conn(match self {
            Self::Sqlite { writer, .. } => {
                ConnInner::SqliteWriter(writer.clone().lock_owned().await)
            }
            Self::Postgres { writers, .. } => ConnInner::Pg(writers.acquire().await?),
        }))
    }

    /// A pooled connection for a series of reads.
    pub(crate) async fn acquire(&self) -> sqlx::Result<Conn> {
        Ok(Conn(match self {
            Self::Sqlite { pool, .. } => ConnInner::Sqlite(pool.acquire().await?),
            Self::Postgres { pool, .. } => ConnInner::Pg(pool.acquire().await?),
        }))
    }

    /// The SQLite pool, for what only SQLite has (file backups, integrity checks).
    pub(crate) fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match self {
            Self::Sqlite { pool, .. } => Some(pool),
            Self::Postgres { .. } => None,
        }
    }

    /// Closes the pools.
    pub(crate) async fn close(&self) {
        match self {
            Self::Sqlite { pool, .. } => pool.close().await,
            Self::Postgres { pool, writers } => {
                pool.close().await;
                writers.close().await;
            }
        }
    }
}

/// One connection, held until dropped.
#[derive(Debug)]
pub(crate) struct Conn(ConnInner);

#[derive(Debug)]
enum ConnInner {
    SqliteWriter(OwnedMutexGuard<SqliteConnection>),
    Sqlite(PoolConnection<Sqlite>),
    Pg(PoolConnection<Postgres>),
}

impl Conn {
    /// Begins a transaction (rolled back when dropped uncommitted).
    ///
    /// (SQLite's writer could take the write lock at once with `BEGIN IMMEDIATE`, so that a
    /// transaction that read first never meets `SQLITE_BUSY_SNAPSHOT` when another process
    /// wrote in between. Tried with sqlx 0.8's `begin_with`: after 7 minutes of the soak every
    /// transaction of the writer failed for good. With a custom statement sqlx awaits once more
    /// after the `BEGIN` ran (to check the connection is in a transaction) before a
    /// `Transaction` exists to roll it back; a request cancelled right there — wrk closes its
    /// connections every 10 s — leaves the writer inside a transaction nobody ends, and every
    /// later custom `BEGIN` is refused. The plain `BEGIN` has no such window.)
    pub(crate) async fn begin(&mut self) -> sqlx::Result<Tx<'_>> {
        Ok(Tx(match &mut self.0 {
            ConnInner::SqliteWriter(c) => TxInner::Sqlite(c.begin().await?),
            ConnInner::Sqlite(c) => TxInner::Sqlite(c.begin().await?),
            ConnInner::Pg(c) => TxInner::Pg(c.begin().await?),
        }))
    }

    /// Begins a change that reads one row and writes it back with a single statement guarded
    /// by the row's version (`UPDATE … WHERE version = ?`).
    ///
    /// On PostgreSQL that is a transaction, whose `SELECT … FOR UPDATE` holds the row against
    /// other instances until it commits. SQLite's writer needs none: its lock already orders
    /// this process's writes, and the version guard refuses a row another process changed in
    /// between; leaving out `BEGIN` and `COMMIT` saves two round trips to SQLite's thread on
    /// every PUT and PATCH (PATCH 5,500 → 4,400/s in `bench load` with them). Elsewhere it is
    /// [`Conn::begin`].
    pub(crate) async fn begin_row_change(&mut self) -> sqlx::Result<Tx<'_>> {
        Ok(Tx(match &mut self.0 {
            ConnInner::SqliteWriter(c) => TxInner::SqliteWriter(c),
            ConnInner::Sqlite(c) => TxInner::Sqlite(c.begin().await?),
            ConnInner::Pg(c) => TxInner::Pg(c.begin().await?),
        }))
    }

    /// The dialect.
    pub(crate) fn dialect(&self) -> Dialect {
        match self.0 {
            ConnInner::SqliteWriter(_) | ConnInner::Sqlite(_) => Dialect::Sqlite,
            ConnInner::Pg(_) => Dialect::Postgres,
        }
    }

    /// The SQLite connection, for what only SQLite has (online backup, checkpoints).
    pub(crate) fn as_sqlite(&mut self) -> Option<&mut SqliteConnection> {
        match &mut self.0 {
            ConnInner::SqliteWriter(c) => Some(c),
            ConnInner::Sqlite(c) => Some(c),
            ConnInner::Pg(_) => None,
        }
    }
}

/// A transaction.
#[derive(Debug)]
pub(crate) struct Tx<'c>(TxInner<'c>);

#[derive(Debug)]
enum TxInner<'c> {
    Sqlite(sqlx::Transaction<'c, Sqlite>),
    Pg(sqlx::Transaction<'c, Postgres>),
    /// SQLite's writer outside a transaction: see [`Conn::begin_row_change`].
    SqliteWriter(&'c mut SqliteConnection),
}

impl Tx<'_> {
    /// Commits it.
    pub(crate) async fn commit(self) -> sqlx::Result<()> {
        match self.0 {
            TxInner::Sqlite(t) => t.commit().await,
            TxInner::Pg(t) => t.commit().await,
            TxInner::SqliteWriter(_) => Ok(()),
        }
    }

    /// The dialect.
    pub(crate) fn dialect(&self) -> Dialect {
        match self.0 {
            TxInner::Sqlite(_) | TxInner::SqliteWriter(_) => Dialect::Sqlite,
            TxInner::Pg(_) => Dialect::Postgres,
        }
    }
}

/// Where a statement runs.
pub(crate) enum Target<'e> {
    SqlitePool(&'e SqlitePool),
    PgPool(&'e PgPool),
    Sqlite(&'e mut SqliteConnection),
    Pg(&'e mut PgConnection),
}

/// A connection or transaction statements run on.
pub(crate) trait Link: Send {
    /// The connection.
    fn target(&mut self) -> Target<'_>;
    /// Its dialect.
    fn dialect(&self) -> Dialect;
}

impl<L: Link + ?Sized> Link for &mut L {
    fn target(&mut self) -> Target<'_> {
        (**self).target()
    }
    fn dialect(&self) -> Dialect {
        (**self).dialect()
    }
}

impl Link for Conn {
    fn dialect(&self) -> Dialect {
        Conn::dialect(self)
    }
    fn target(&mut self) -> Target<'_> {
        match &mut self.0 {
            ConnInner::SqliteWriter(c) => Target::Sqlite(c),
            ConnInner::Sqlite(c) => Target::Sqlite(c),
            ConnInner::Pg(c) => Target::Pg(c),
        }
    }
}

impl Link for Tx<'_> {
    fn dialect(&self) -> Dialect {
        Tx::dialect(self)
    }
    fn target(&mut self) -> Target<'_> {
        match &mut self.0 {
            TxInner::Sqlite(t) => Target::Sqlite(t),
            TxInner::Pg(t) => Target::Pg(t),
            TxInner::SqliteWriter(c) => Target::Sqlite(c),
        }
    }
}

/// What a statement can run on: a database (a pooled reading connection) or a [`Link`].
pub(crate) trait Executor<'e>: Send {
    /// Where it runs.
    fn target(self) -> Target<'e>;
}

impl<'e> Executor<'e> for &'e Db {
    fn target(self) -> Target<'e> {
        match self {
            Db::Sqlite { pool, .. } => Target::SqlitePool(pool),
            Db::Postgres { pool, .. } => Target::PgPool(pool),
        }
    }
}

impl<'e, L: Link + ?Sized> Executor<'e> for &'e mut L {
    fn target(self) -> Target<'e> {
        Link::target(self)
    }
}

/// What a statement that returns no rows did.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Done {
    rows_affected: u64,
    last_insert_rowid: i64,
}

impl Done {
    /// Rows inserted, changed or deleted.
    pub(crate) fn rows_affected(&self) -> u64 {
        self.rows_affected
    }

    /// SQLite's rowid of the last row inserted (0 on PostgreSQL: use `RETURNING` there).
    pub(crate) fn last_insert_rowid(&self) -> i64 {
        self.last_insert_rowid
    }
}

/// A statement with its bound values.
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until it is executed or fetched"]
pub(crate) struct Query<'q> {
    sql: Cow<'q, str>,
    params: Vec<Param<'q>>,
    /// Planned for its values at every call (see [`Query::plan_per_call`]).
    plan_per_call: bool,
}

/// A statement (with SQLite's placeholders).
pub(crate) fn query<'q>(sql: impl Into<Cow<'q, str>>) -> Query<'q> {
    Query {
        sql: sql.into(),
        params: Vec::new(),
        plan_per_call: false,
    }
}

/// A statement whose rows are read as their first column.
pub(crate) fn query_scalar<'q, T: Decode>(sql: impl Into<Cow<'q, str>>) -> QueryScalar<'q, T> {
    QueryScalar {
        query: query(sql),
        out: PhantomData,
    }
}

impl<'q> Query<'q> {
    /// Binds the next placeholder.
    pub(crate) fn bind<T: Encode<'q>>(mut self, value: T) -> Self {
        self.params.push(value.into_param());
        self
    }

    /// Has PostgreSQL plan the statement for its values at every call instead of reusing a
    /// prepared statement's plan.
    ///
    /// After five calls PostgreSQL may switch a prepared statement to a *generic* plan, made
    /// without the values: an optional condition (`? IS NULL OR …`) cannot use an index there,
    /// and an unknown `LIMIT ?` is taken for a tenth of the table. The admin API's listings
    /// (browse, log, audit, alerts) use this: they are few, and their best plan depends on
    /// their values. It costs a parse and a round trip per call, so the SCIM endpoint's hot
    /// statements do not (a page writes its size into the statement instead). SQLite plans
    /// every step itself: no change there.
    pub(crate) fn plan_per_call(mut self) -> Self {
        self.plan_per_call = true;
        self
    }

    fn sqlite(&self) -> sqlx::query::Query<'_, Sqlite, sqlx::sqlite::SqliteArguments<'_>> {
        self.params
            .iter()
            .fold(sqlx::query(self.sql.as_ref()), param::bind_sqlite)
    }

    fn pg<'a>(
        &'a self,
        sql: &'a str,
    ) -> sqlx::query::Query<'a, Postgres, sqlx::postgres::PgArguments> {
        // An unnamed statement is parsed and planned for the bound values at each call.
        self.params
            .iter()
            .fold(sqlx::query(sql), param::bind_pg)
            .persistent(!self.plan_per_call)
    }

    /// Runs it.
    pub(crate) async fn execute<'e>(self, on: impl Executor<'e>) -> sqlx::Result<Done> {
        match on.target() {
            Target::SqlitePool(p) => self.sqlite().execute(p).await.map(Done::from),
            Target::Sqlite(c) => self.sqlite().execute(c).await.map(Done::from),
            Target::PgPool(p) => {
                let sql = placeholders::to_postgres(&self.sql);
                self.pg(&sql).execute(p).await.map(Done::from)
            }
            Target::Pg(c) => {
                let sql = placeholders::to_postgres(&self.sql);
                self.pg(&sql).execute(c).await.map(Done::from)
            }
        }
    }

    /// Runs it for every row.
    pub(crate) async fn fetch_all<'e>(self, on: impl Executor<'e>) -> sqlx::Result<Vec<Row>> {
        Ok(match on.target() {
            Target::SqlitePool(p) => wrap(self.sqlite().fetch_all(p).await?, Row::Sqlite),
            Target::Sqlite(c) => wrap(self.sqlite().fetch_all(c).await?, Row::Sqlite),
            Target::PgPool(p) => {
                let sql = placeholders::to_postgres(&self.sql);
                wrap(self.pg(&sql).fetch_all(p).await?, Row::Pg)
            }
            Target::Pg(c) => {
                let sql = placeholders::to_postgres(&self.sql);
                wrap(self.pg(&sql).fetch_all(c).await?, Row::Pg)
            }
        })
    }

    /// Runs it for its first row, if any.
    pub(crate) async fn fetch_optional<'e>(
        self,
        on: impl Executor<'e>,
    ) -> sqlx::Result<Option<Row>> {
        Ok(match on.target() {
            Target::SqlitePool(p) => self.sqlite().fetch_optional(p).await?.map(Row::Sqlite),
            Target::Sqlite(c) => self.sqlite().fetch_optional(c).await?.map(Row::Sqlite),
            Target::PgPool(p) => {
                let sql = placeholders::to_postgres(&self.sql);
                self.pg(&sql).fetch_optional(p).await?.map(Row::Pg)
            }
            Target::Pg(c) => {
                let sql = placeholders::to_postgres(&self.sql);
                self.pg(&sql).fetch_optional(c).await?.map(Row::Pg)
            }
        })
    }

    /// Runs it for its first row (an error when there is none).
    pub(crate) async fn fetch_one<'e>(self, on: impl Executor<'e>) -> sqlx::Result<Row> {
        self.fetch_optional(on)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }
}

fn wrap<R>(rows: Vec<R>, f: fn(R) -> Row) -> Vec<Row> {
    rows.into_iter().map(f).collect()
}

impl From<sqlx::sqlite::SqliteQueryResult> for Done {
    fn from(r: sqlx::sqlite::SqliteQueryResult) -> Self {
        Self {
            rows_affected: r.rows_affected(),
            last_insert_rowid: r.last_insert_rowid(),
        }
    }
}

impl From<sqlx::postgres::PgQueryResult> for Done {
    fn from(r: sqlx::postgres::PgQueryResult) -> Self {
        Self {
            rows_affected: r.rows_affected(),
            last_insert_rowid: 0,
        }
    }
}

/// A statement read as its first column.
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until it is fetched"]
pub(crate) struct QueryScalar<'q, T> {
    query: Query<'q>,
    out: PhantomData<fn() -> T>,
}

impl<'q, T: Decode> QueryScalar<'q, T> {
    /// Binds the next placeholder.
    pub(crate) fn bind<V: Encode<'q>>(self, value: V) -> Self {
        Self {
            query: self.query.bind(value),
            out: PhantomData,
        }
    }

    /// Plans the statement for its values at every call (see [`Query::plan_per_call`]).
    pub(crate) fn plan_per_call(self) -> Self {
        Self {
            query: self.query.plan_per_call(),
            out: PhantomData,
        }
    }

    /// The first column of every row.
    pub(crate) async fn fetch_all<'e>(self, on: impl Executor<'e>) -> sqlx::Result<Vec<T>> {
        self.query
            .fetch_all(on)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect()
    }

    /// The first column of the first row, if any.
    pub(crate) async fn fetch_optional<'e>(self, on: impl Executor<'e>) -> sqlx::Result<Option<T>> {
        self.query
            .fetch_optional(on)
            .await?
            .map(|r| r.try_get(0))
            .transpose()
    }

    /// The first column of the first row.
    pub(crate) async fn fetch_one<'e>(self, on: impl Executor<'e>) -> sqlx::Result<T> {
        self.query.fetch_one(on).await?.try_get(0)
    }
}
