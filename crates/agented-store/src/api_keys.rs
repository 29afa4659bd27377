//! API keys: stored only as a hash with a short visible prefix; revocation is a timestamp so the
//! audit trail can still name the key.

use agented_domain::{Page, PageRequest, Role};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::error::conflict_on_unique;
use crate::{Result, Store, StoreError};

/// A key to insert. The plaintext never reaches the store.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// The `role-…` id.
    pub id: String,
    /// Hex SHA-256 of the key.
    pub key_hash: String,
    /// The first characters of the key, shown in listings so people can tell keys apart.
    pub key_prefix: String,
    /// What the key is for.
    pub label: String,
    /// What it may do.
    pub role: Role,
    /// The key id (or `env`/`setup`) that created it.
    pub created_by: Option<String>,
}

/// A stored key, without its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// The `role-…` id.
    pub id: String,
    /// The visible prefix.
    pub key_prefix: String,
    /// What the key is for.
    pub label: String,
    /// What it may do.
    pub role: Role,
    /// When it was created (RFC 3339 UTC).
    pub created_at: String,
    /// Who created it.
    pub created_by: Option<String>,
    /// When it was last used, roughly (updates are throttled).
    pub last_used_at: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// Changes to a key's label or role.
#[derive(Debug, Clone, Default)]
pub struct ApiKeyUpdate {
    /// A new label.
    pub label: Option<String>,
    /// A new role.
    pub role: Option<Role>,
}

const COLUMNS: &str =
    "id, key_prefix, label, role, created_at, created_by, last_used_at, revoked_at";

fn from_row(row: &AnyRow) -> Result<ApiKeyRecord> {
    let role: String = row.try_get("role")?;
    Ok(ApiKeyRecord {
        id: row.try_get("id")?,
        key_prefix: row.try_get("key_prefix")?,
        label: row.try_get("label")?,
        role: role
            .parse()
            .map_err(|e: agented_domain::role::UnknownRole| StoreError::Corrupt {
                table: "api_keys",
                detail: e.to_string(),
            })?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

impl Store {
    /// Inserts a key and returns its record.
    pub async fn create_api_key(&self, key: NewApiKey) -> Result<ApiKeyRecord> {
        let now = agented_domain::time::now_rfc3339();
        sqlx::query(
            "INSERT INTO api_keys (id, key_hash, key_prefix, label, role, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&key.id)
        .bind(&key.key_hash)
        .bind(&key.key_prefix)
        .bind(&key.label)
        .bind(key.role.as_str())
        .bind(&now)
        .bind(&key.created_by)
        .execute(&self.pool)
        .await
        .map_err(|e| conflict_on_unique(e, "api key"))?;
        self.api_key(&key.id).await
    }

    /// Inserts the first admin key if and only if no active key exists, atomically, so two
    /// concurrent setup calls cannot both succeed. Returns `None` when a key already existed.
    pub async fn create_first_api_key(&self, key: NewApiKey) -> Result<Option<ApiKeyRecord>> {
        let now = agented_domain::time::now_rfc3339();
        let mut tx = self.pool.begin().await?;
        if self.dialect == crate::Dialect::Postgres {
            // Under READ COMMITTED two transactions could both see "no key" and both insert; the
            // lock serializes concurrent setups. (SQLite runs one writer at a time already.)
            sqlx::query("LOCK TABLE api_keys IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await?;
        }
        let done = sqlx::query(
            "INSERT INTO api_keys (id, key_hash, key_prefix, label, role, created_at, created_by) \
             SELECT $1, $2, $3, $4, $5, $6, $7 \
             WHERE NOT EXISTS (SELECT 1 FROM api_keys WHERE revoked_at IS NULL)",
        )
        .bind(&key.id)
        .bind(&key.key_hash)
        .bind(&key.key_prefix)
        .bind(&key.label)
        .bind(key.role.as_str())
        .bind(&now)
        .bind(&key.created_by)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        Ok(Some(self.api_key(&key.id).await?))
    }

    /// The key with this id, revoked or not.
    pub async fn api_key(&self, id: &str) -> Result<ApiKeyRecord> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM api_keys WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("api key"))?;
        from_row(&row)
    }

    /// The active (not revoked) key whose hash is `key_hash`.
    pub async fn active_api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL"
        ))
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// How many keys are active.
    pub async fn count_active_api_keys(&self) -> Result<i64> {
        let row = sqlx::query("SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// One page of keys, newest first; revoked keys only when asked.
    pub async fn list_api_keys(
        &self,
        page: PageRequest,
        include_revoked: bool,
    ) -> Result<Page<ApiKeyRecord>> {
        let filter = if include_revoked {
            ""
        } else {
            "WHERE revoked_at IS NULL"
        };
        // One statement for the page and the total (a window count), so a list costs one round trip.
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS}, count(*) OVER () AS total_count FROM api_keys {filter} \
             ORDER BY created_at DESC, id LIMIT $1 OFFSET $2"
        ))
        .bind(i64::from(page.limit))
        .bind(page.offset as i64)
        .fetch_all(&self.pool)
        .await?;
        let total = match rows.first() {
            Some(row) => row.try_get::<i64, _>("total_count")?,
            // An empty page past the end says nothing about the total; count separately.
            None if page.offset > 0 => {
                sqlx::query(&format!("SELECT count(*) AS n FROM api_keys {filter}"))
                    .fetch_one(&self.pool)
                    .await?
                    .try_get("n")?
            }
            None => 0,
        };
        Ok(Page {
            items: rows.iter().map(from_row).collect::<Result<_>>()?,
            total_count: total as u64,
        })
    }

    /// Changes a key's label and/or role.
    pub async fn update_api_key(&self, id: &str, update: ApiKeyUpdate) -> Result<ApiKeyRecord> {
        let done = sqlx::query(
            "UPDATE api_keys SET label = COALESCE($2, label), role = COALESCE($3, role) WHERE id = $1",
        )
        .bind(id)
        .bind(update.label)
        .bind(update.role.map(|r| r.as_str()))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("api key"));
        }
        self.api_key(id).await
    }

    /// Revokes a key. Returns false if it was already revoked; NotFound if it never existed.
    pub async fn revoke_api_key(&self, id: &str) -> Result<bool> {
        let done =
            sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id)
                .bind(agented_domain::time::now_rfc3339())
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            self.api_key(id).await?;
            return Ok(false);
        }
        Ok(true)
    }

    /// Records that a key was used at `at`.
    pub async fn touch_api_key(&self, id: &str, at: &str) -> Result<()> {
        sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
            .bind(id)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
