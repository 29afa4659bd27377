//! Seed data, kept apart from schema migrations: rows that must exist after migrating and that
//! seeding never overwrites once present (a user's edits stay).

use crate::{Result, Store};

impl Store {
    /// Inserts the rows every installation needs, leaving existing ones untouched. Idempotent.
    pub async fn seed(&self) -> Result<()> {
        // The instance id is created with the database and never changes afterwards.
        sqlx::query(
            "INSERT INTO app_meta (key, value, updated_at) VALUES ('instance_id', $1, $2) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(agented_domain::time::now_rfc3339())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
