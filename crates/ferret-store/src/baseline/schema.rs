//! The "baseline" migrations namespace: step `i` makes schema version `i + 1`.
//! Steps are only ever appended.

/// The migration steps of the baseline tables.
pub(crate) const STEPS: &[&str] = &[
    // 1: the store's identity, baselines, their items and accepted changes.
    "CREATE TABLE meta(
        id INTEGER PRIMARY KEY CHECK (id = 1),
        store_id TEXT NOT NULL,
        created TEXT NOT NULL
    );
    INSERT INTO meta(id, store_id, created)
        VALUES (1, lower(hex(randomblob(16))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
    CREATE TABLE baselines(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        generation INTEGER NOT NULL UNIQUE,
        created TEXT NOT NULL,
        host TEXT NOT NULL,
        roots TEXT NOT NULL,
        parent INTEGER,
        note TEXT,
        key_id TEXT NOT NULL,
        item_count INTEGER NOT NULL,
        seal TEXT NOT NULL
    );
    CREATE TABLE items(
        baseline_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        sha256 TEXT,
        size INTEGER,
        mode INTEGER,
        uid INTEGER,
        gid INTEGER,
        mtime_ns INTEGER,
        ctime_ns INTEGER,
        inode INTEGER,
        dev INTEGER,
        attrs TEXT NOT NULL,
        PRIMARY KEY(baseline_id, kind, key)
    ) WITHOUT ROWID;
    CREATE TABLE acceptances(
        baseline_id INTEGER NOT NULL,
        time TEXT NOT NULL,
        who TEXT NOT NULL,
        why TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        change TEXT NOT NULL,
        sha256 TEXT,
        PRIMARY KEY(baseline_id, kind, key)
    );",
];
