//! How items and acceptances become rows, and the canonical serialization the
//! seal covers. Write and verify both go through these functions, so what is
//! sealed is exactly what is read back.

use super::{Acceptance, BaselineInfo};
use crate::seal::Mac;
use ferret_core::{ChangeKind, FileMeta, Item, ItemKind};
use rusqlite::{params, Row, Statement};
use std::collections::BTreeMap;

/// The item columns, in the order [`decode_item`] reads them.
pub(crate) const ITEM_COLUMNS: &str =
    "kind, key, sha256, size, mode, uid, gid, mtime_ns, ctime_ns, inode, dev, attrs";

/// The acceptance columns, in the order [`decode_acceptance`] reads them.
pub(crate) const ACCEPTANCE_COLUMNS: &str =
    "baseline_id, time, who, why, kind, key, change, sha256";

/// The baseline columns, in the order [`decode_info`] reads them.
pub(crate) const INFO_COLUMNS: &str =
    "id, generation, created, host, roots, parent, note, key_id, item_count, seal";

/// Inserts `item` with a statement prepared from
/// `INSERT INTO items(baseline_id, ITEM_COLUMNS) VALUES (?1..?13)`.
pub(crate) fn insert_item(
    stmt: &mut Statement<'_>,
    baseline_id: i64,
    item: &Item,
) -> rusqlite::Result<()> {
    let m = item.meta.as_ref();
    let attrs = serde_json::to_string(&item.attrs).expect("string map serializes");
    stmt.execute(params![
        baseline_id,
        item.kind.as_str(),
        item.key,
        item.sha256,
        m.map(|m| m.size as i64),
        m.map(|m| m.mode),
        m.map(|m| m.uid),
        m.map(|m| m.gid),
        m.map(|m| m.mtime_ns),
        m.map(|m| m.ctime_ns),
        m.map(|m| m.inode as i64),
        m.map(|m| m.dev as i64),
        attrs,
    ])?;
    Ok(())
}

/// Reads an item from a row of [`ITEM_COLUMNS`]; `Err` names what does not
/// decode (a row written outside Ferret).
pub(crate) fn decode_item(row: &Row<'_>) -> Result<Item, String> {
    let kind: String = row.get(0).map_err(|e| e.to_string())?;
    let key: String = row.get(1).map_err(|e| e.to_string())?;
    let bad = |what: &str| format!("item {kind} {key:?}: {what}");
    let kind_v = ItemKind::from_name(&kind).ok_or_else(|| bad("unknown kind"))?;
    let sha256: Option<String> = row.get(2).map_err(|e| bad(&e.to_string()))?;
    let mut ints = [None::<i64>; 8];
    for (i, slot) in ints.iter_mut().enumerate() {
        *slot = row.get(3 + i).map_err(|e| bad(&e.to_string()))?;
    }
    let meta = match ints {
        [None, None, None, None, None, None, None, None] => None,
        [Some(size), Some(mode), Some(uid), Some(gid), Some(mtime_ns), Some(ctime_ns), Some(inode), Some(dev)] =>
        {
            let u32_of =
                |v: i64| u32::try_from(v).map_err(|_| bad("mode, uid or gid out of range"));
            Some(FileMeta {
                size: size as u64,
                mode: u32_of(mode)?,
                uid: u32_of(uid)?,
                gid: u32_of(gid)?,
                mtime_ns,
                ctime_ns,
                inode: inode as u64,
                dev: dev as u64,
            })
        }
        _ => return Err(bad("partial file metadata")),
    };
    let attrs: String = row.get(11).map_err(|e| bad(&e.to_string()))?;
    let attrs: BTreeMap<String, String> =
        serde_json::from_str(&attrs).map_err(|e| bad(&format!("attrs: {e}")))?;
    Ok(Item {
        kind: kind_v,
        key,
        sha256,
        meta,
        attrs,
    })
}

/// Reads an acceptance from a row of [`ACCEPTANCE_COLUMNS`].
pub(crate) fn decode_acceptance(row: &Row<'_>) -> Result<Acceptance, String> {
    let text = |i: usize| row.get::<_, String>(i).map_err(|e| e.to_string());
    let kind = text(4)?;
    let change = text(6)?;
    Ok(Acceptance {
        baseline_id: row.get(0).map_err(|e| e.to_string())?,
        time: text(1)?,
        who: text(2)?,
        why: text(3)?,
        kind: ItemKind::from_name(&kind)
            .ok_or_else(|| format!("acceptance: unknown kind {kind:?}"))?,
        key: text(5)?,
        change: change_from_name(&change)
            .ok_or_else(|| format!("acceptance: unknown change {change:?}"))?,
        sha256: row.get(7).map_err(|e| e.to_string())?,
    })
}

/// Reads a baseline header from a row of [`INFO_COLUMNS`].
pub(crate) fn decode_info(row: &Row<'_>) -> Result<BaselineInfo, String> {
    let id: i64 = row.get(0).map_err(|e| e.to_string())?;
    let bad = |e: &dyn std::fmt::Display| format!("baseline {id}: {e}");
    let generation: i64 = row.get(1).map_err(|e| bad(&e))?;
    let roots: String = row.get(4).map_err(|e| bad(&e))?;
    let items: i64 = row.get(8).map_err(|e| bad(&e))?;
    Ok(BaselineInfo {
        id,
        generation: u64::try_from(generation).map_err(|e| bad(&e))?,
        created: row.get(2).map_err(|e| bad(&e))?,
        host: row.get(3).map_err(|e| bad(&e))?,
        roots: serde_json::from_str(&roots).map_err(|e| bad(&format!("roots: {e}")))?,
        parent: row.get(5).map_err(|e| bad(&e))?,
        note: row.get(6).map_err(|e| bad(&e))?,
        key_id: row.get(7).map_err(|e| bad(&e))?,
        items: u64::try_from(items).map_err(|e| bad(&e))?,
        seal: row.get(9).map_err(|e| bad(&e))?,
    })
}

/// The stored name of a change kind.
pub(crate) fn change_from_name(s: &str) -> Option<ChangeKind> {
    [ChangeKind::Added, ChangeKind::Changed, ChangeKind::Removed]
        .into_iter()
        .find(|c| c.as_str() == s)
}

/// Feeds the seal's header: a domain tag, the store id, then every header
/// field of `info` except the seal itself.
pub(crate) fn mac_header(mac: &mut Mac, store_id: &str, info: &BaselineInfo) {
    mac.put_str("ferret-baseline-seal-1");
    mac.put_str(store_id);
    mac.put_i64(info.id);
    mac.put_u64(info.generation);
    mac.put_str(&info.created);
    mac.put_str(&info.host);
    mac.put_u64(info.roots.len() as u64);
    for r in &info.roots {
        mac.put_str(r);
    }
    mac.put_opt_i64(info.parent);
    mac.put_opt_str(info.note.as_deref());
    mac.put_str(&info.key_id);
    mac.put_u64(info.items);
}

/// Feeds one item, every field.
pub(crate) fn mac_item(mac: &mut Mac, item: &Item) {
    mac.put_str("item");
    mac.put_str(item.kind.as_str());
    mac.put_str(&item.key);
    mac.put_opt_str(item.sha256.as_deref());
    match &item.meta {
        None => mac.put_none(),
        Some(m) => {
            mac.put_str("meta");
            mac.put_u64(m.size);
            mac.put_u64(u64::from(m.mode));
            mac.put_u64(u64::from(m.uid));
            mac.put_u64(u64::from(m.gid));
            mac.put_i64(m.mtime_ns);
            mac.put_i64(m.ctime_ns);
            mac.put_u64(m.inode);
            mac.put_u64(m.dev);
        }
    }
    mac.put_u64(item.attrs.len() as u64);
    for (k, v) in &item.attrs {
        mac.put_str(k);
        mac.put_str(v);
    }
}

/// Feeds the marker between items and acceptances, then the count of items
/// actually fed (so a shortened item stream can never match).
pub(crate) fn mac_items_end(mac: &mut Mac, count: u64) {
    mac.put_str("items-end");
    mac.put_u64(count);
}

/// Feeds one acceptance, every field.
pub(crate) fn mac_acceptance(mac: &mut Mac, a: &Acceptance) {
    mac.put_str("acceptance");
    mac.put_i64(a.baseline_id);
    mac.put_str(&a.time);
    mac.put_str(&a.who);
    mac.put_str(&a.why);
    mac.put_str(a.kind.as_str());
    mac.put_str(&a.key);
    mac.put_str(a.change.as_str());
    mac.put_opt_str(a.sha256.as_deref());
}
