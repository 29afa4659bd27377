//! The audit trail: who did what, when, with what outcome. Rows are only ever appended.

use agented_domain::{Page, PageRequest};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Result, Store};

/// An event to append.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    /// What happened, dotted (`api_key.create`, `auth.login`, `rbac.denied`).
    pub action: String,
    /// The kind of thing it happened to.
    pub entity_type: Option<String>,
    /// Its id.
    pub entity_id: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    /// The acting key id, `env`, `setup` or `system`.
    pub actor: String,
    /// Extra facts as JSON; never secrets.
    pub details: Option<serde_json::Value>,
    /// The request that caused it.
    pub request_id: Option<String>,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// Increasing id.
    pub id: i64,
    /// See [`AuditEntry::action`].
    pub action: String,
    /// See [`AuditEntry::entity_type`].
    pub entity_type: Option<String>,
    /// See [`AuditEntry::entity_id`].
    pub entity_id: Option<String>,
    /// See [`AuditEntry::outcome`].
    pub outcome: String,
    /// See [`AuditEntry::actor`].
    pub actor: String,
    /// See [`AuditEntry::details`].
    pub details: Option<serde_json::Value>,
    /// See [`AuditEntry::request_id`].
    pub request_id: Option<String>,
    /// When (RFC 3339 UTC).
    pub created_at: String,
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this action, or actions starting with it when it ends in `.` (e.g. `api_key.`).
    pub action: Option<String>,
    /// Only events at or after this time (RFC 3339 UTC).
    pub since: Option<String>,
    /// Only events before this time (RFC 3339 UTC).
    pub until: Option<String>,
}

fn from_row(row: &AnyRow) -> Result<AuditEvent> {
    let details: Option<String> = row.try_get("details")?;
    Ok(AuditEvent {
        id: row.try_get("id")?,
        action: row.try_get("action")?,
        entity_type: row.try_get("entity_type")?,
        entity_id: row.try_get("entity_id")?,
        outcome: row.try_get("outcome")?,
        actor: row.try_get("actor")?,
        details: details.and_then(|d| serde_json::from_str(&d).ok()),
        request_id: row.try_get("request_id")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Appends an event.
    pub async fn record_audit(&self, entry: AuditEntry) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_events \
             (action, entity_type, entity_id, outcome, actor, details, request_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(entry.action)
        .bind(entry.entity_type)
        .bind(entry.entity_id)
        .bind(entry.outcome)
        .bind(entry.actor)
        .bind(entry.details.map(|d| d.to_string()))
        .bind(entry.request_id)
        .bind(agented_domain::time::now_rfc3339())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// One page of events, newest first.
    pub async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditEvent>> {
        // Every filter is always bound; a NULL parameter switches its condition off. This keeps one
        // statement text (and one prepared statement) for every combination of filters.
        let action_prefix = filter
            .action
            .as_ref()
            .filter(|a| a.ends_with('.'))
            .map(|a| format!("{a}%"));
        let action_exact = filter.action.as_ref().filter(|a| !a.ends_with('.'));
        let where_clause = "WHERE (CAST($1 AS TEXT) IS NULL OR action = $1) \
                            AND (CAST($2 AS TEXT) IS NULL OR action LIKE $2) \
                            AND (CAST($3 AS TEXT) IS NULL OR created_at >= $3) \
                            AND (CAST($4 AS TEXT) IS NULL OR created_at < $4)";
        let total: i64 = sqlx::query(&format!(
            "SELECT count(*) AS n FROM audit_events {where_clause}"
        ))
        .bind(action_exact)
        .bind(&action_prefix)
        .bind(&filter.since)
        .bind(&filter.until)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        let rows = sqlx::query(&format!(
            "SELECT id, action, entity_type, entity_id, outcome, actor, details, request_id, created_at \
             FROM audit_events {where_clause} ORDER BY id DESC LIMIT $5 OFFSET $6"
        ))
        .bind(action_exact)
        .bind(&action_prefix)
        .bind(&filter.since)
        .bind(&filter.until)
        .bind(i64::from(page.limit))
        .bind(page.offset as i64)
        .fetch_all(&self.pool)
        .await?;
        Ok(Page {
            items: rows.iter().map(from_row).collect::<Result<_>>()?,
            total_count: total as u64,
        })
    }
}
