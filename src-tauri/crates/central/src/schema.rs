//! The central store's schema, versioned: each migration runs once, in order, in one
//! transaction under an advisory lock (many desks may start at once), and the version reached
//! is recorded in `vmcheck_schema`. A store of a newer version than this program knows is
//! refused rather than written to.

/// The migrations, in order; the schema's version is their number.
pub const MIGRATIONS: &[&str] = &[
    // 1: records and checkpoints, keyed by installation.
    "CREATE TABLE audit_record (
        installation    TEXT     NOT NULL,
        seq             BIGINT   NOT NULL CHECK (seq > 0),
        time            BIGINT   NOT NULL,
        installation_id TEXT,
        user_uuid       TEXT     NOT NULL,
        role_profile_id TEXT,
        ods_code        TEXT     NOT NULL,
        action          TEXT     NOT NULL,
        nhs_number      TEXT,
        search_terms    TEXT,
        outcome         TEXT,
        trace_id        TEXT,
        batch_id        TEXT,
        refers_to       BIGINT,
        detail          TEXT,
        format          SMALLINT NOT NULL,
        prev_hash       TEXT     NOT NULL,
        hash            TEXT     NOT NULL,
        received_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (installation, seq)
     );
     CREATE INDEX audit_record_nhs ON audit_record (nhs_number) WHERE nhs_number IS NOT NULL;
     CREATE INDEX audit_record_user ON audit_record (user_uuid);
     CREATE INDEX audit_record_time ON audit_record (time);
     CREATE TABLE audit_checkpoint (
        installation TEXT   NOT NULL,
        seq          BIGINT NOT NULL,
        head         TEXT   NOT NULL,
        time         BIGINT NOT NULL,
        mac          TEXT   NOT NULL,
        received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (installation, seq, time)
     );",
];

/// The schema version this program writes.
pub fn current() -> i64 {
    MIGRATIONS.len() as i64
}

/// The advisory lock migrations hold (an arbitrary constant: "vmcheck" in ASCII).
pub(crate) const LOCK: i64 = 0x0076_6d63_6865_636b;
