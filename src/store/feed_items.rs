//! The selection library's items: one row per (platform, item key), refreshed in place by every feed pull, listed
//! through one typed [`FeedFilter`].

use super::{Store, StoreError, StoreResult, col};
use crate::affiliate::Coupon;
use crate::feeds::{FeedFilter, FeedItem, FeedSort, StoredFeedItem};
use crate::money::{Bps, Fen};
use sqlx::any::AnyRow;

enum Arg {
    Int(i64),
    Text(String),
}

const COLUMNS: &str = "id, platform, item_key, title, short_title, image_url, price_fen, final_price_fen, coupon_fen,
    coupon_threshold_fen, coupon_start, coupon_end, commission_bps, commission_fen, sales, sales_text, shop, category,
    source, first_seen_at, last_seen_at";

/// `%`, `_` and `\` escaped for `LIKE … ESCAPE '\'`, wrapped in `%…%`, lower-cased.
fn like_pattern(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for c in term.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Conditions joined by AND, with their arguments numbered from `$1`.
#[derive(Default)]
struct Where {
    conds: Vec<String>,
    args: Vec<Arg>,
}

impl Where {
    /// A condition with one `?` argument.
    fn add(&mut self, cond: &str, arg: Arg) {
        self.args.push(arg);
        self.conds.push(cond.replace('?', &format!("${}", self.args.len())));
    }

    /// `column [NOT] IN (…)`; nothing for an empty list.
    fn any_of(&mut self, column: &str, values: Vec<String>, negate: bool) {
        if values.is_empty() {
            return;
        }
        let start = self.args.len();
        let marks: Vec<String> = (0..values.len()).map(|i| format!("${}", start + i + 1)).collect();
        self.args.extend(values.into_iter().map(Arg::Text));
        self.conds.push(format!("{column} {}IN ({})", if negate { "NOT " } else { "" }, marks.join(", ")));
    }
}

/// The WHERE clause of a filter and its arguments (numbered from `$1`).
fn conditions(f: &FeedFilter) -> (String, Vec<Arg>) {
    let mut w = Where::default();
    w.any_of("platform", f.platforms.iter().map(|p| p.code().to_string()).collect(), false);
    w.any_of("category", f.categories.clone(), false);
    w.any_of("shop", f.exclude_shops.clone(), true);
    let ints = [
        ("final_price_fen >= ?", f.min_price.map(|v| v.0)),
        ("final_price_fen <= ?", f.max_price.map(|v| v.0)),
        ("coupon_fen >= ?", f.min_coupon.map(|v| v.0)),
        ("commission_bps >= ?", f.min_commission_rate.map(|v| v.0)),
        ("commission_fen >= ?", f.min_commission.map(|v| v.0)),
        ("sales >= ?", f.min_sales),
        ("last_seen_at >= ?", f.seen_since),
    ];
    for (cond, value) in ints {
        if let Some(v) = value {
            w.add(cond, Arg::Int(v));
        }
    }
    for k in &f.keywords {
        w.add("LOWER(title) LIKE ? ESCAPE '\\'", Arg::Text(like_pattern(k)));
    }
    for k in &f.exclude_keywords {
        w.add("LOWER(title) NOT LIKE ? ESCAPE '\\'", Arg::Text(like_pattern(k)));
    }
    let clause = if w.conds.is_empty() { String::new() } else { format!("WHERE {}", w.conds.join(" AND ")) };
    (clause, w.args)
}

fn order_by(sort: FeedSort) -> &'static str {
    match sort {
        FeedSort::Recent => "last_seen_at DESC, id DESC",
        FeedSort::Commission => "commission_fen DESC, id DESC",
        FeedSort::Sales => "sales DESC, id DESC",
        FeedSort::Coupon => "coupon_fen DESC, id DESC",
        FeedSort::Price => "final_price_fen ASC, id DESC",
    }
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    args: Vec<Arg>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for a in args {
        q = match a {
            Arg::Int(i) => q.bind(i),
            Arg::Text(s) => q.bind(s),
        };
    }
    q
}

fn read(r: &AnyRow) -> StoreResult<StoredFeedItem> {
    let platform: String = col(r, "platform")?;
    let coupon_fen: i64 = col(r, "coupon_fen")?;
    let coupon = (coupon_fen > 0)
        .then(|| -> StoreResult<Coupon> {
            Ok(Coupon {
                amount: Fen(coupon_fen),
                threshold: Fen(col(r, "coupon_threshold_fen")?),
                starts_at: col(r, "coupon_start")?,
                ends_at: col(r, "coupon_end")?,
            })
        })
        .transpose()?;
    Ok(StoredFeedItem {
        id: col(r, "id")?,
        item: FeedItem {
            platform: platform.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?,
            key: col(r, "item_key")?,
            title: col(r, "title")?,
            short_title: col(r, "short_title")?,
            image_url: col(r, "image_url")?,
            price: Fen(col(r, "price_fen")?),
            final_price: Fen(col(r, "final_price_fen")?),
            coupon,
            commission_rate: Bps(col(r, "commission_bps")?),
            commission: Fen(col(r, "commission_fen")?),
            sales: col(r, "sales")?,
            sales_text: col(r, "sales_text")?,
            shop: col(r, "shop")?,
            category: col(r, "category")?,
            source: col(r, "source")?,
        },
        first_seen_at: col(r, "first_seen_at")?,
        last_seen_at: col(r, "last_seen_at")?,
    })
}

impl Store {
    /// Stores what a feed page listed at `now` (unix ms): new items are added, known ones (same platform and key)
    /// take the new snapshot and `last_seen_at`, keeping `first_seen_at`. Returns how many were new.
    pub async fn upsert_feed_items(&self, items: &[FeedItem], now: i64) -> StoreResult<usize> {
        let mut tx = self.pool.begin().await?;
        let mut added = 0;
        for it in items {
            let coupon = it.coupon.as_ref();
            let (first_seen,): (i64,) = sqlx::query_as(
                "INSERT INTO feed_items (platform, item_key, title, short_title, image_url, price_fen, final_price_fen,
                    coupon_fen, coupon_threshold_fen, coupon_start, coupon_end, commission_bps, commission_fen, sales,
                    sales_text, shop, category, source, first_seen_at, last_seen_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19, $19, $19)
                 ON CONFLICT (platform, item_key) DO UPDATE SET title = excluded.title,
                    short_title = excluded.short_title, image_url = excluded.image_url, price_fen = excluded.price_fen,
                    final_price_fen = excluded.final_price_fen, coupon_fen = excluded.coupon_fen,
                    coupon_threshold_fen = excluded.coupon_threshold_fen, coupon_start = excluded.coupon_start,
                    coupon_end = excluded.coupon_end, commission_bps = excluded.commission_bps,
                    commission_fen = excluded.commission_fen, sales = excluded.sales, sales_text = excluded.sales_text,
                    shop = excluded.shop, category = excluded.category, source = excluded.source,
                    last_seen_at = excluded.last_seen_at, updated_at = excluded.updated_at
                 RETURNING first_seen_at",
            )
            .bind(it.platform.code())
            .bind(&it.key)
            .bind(&it.title)
            .bind(it.short_title.as_deref())
            .bind(it.image_url.as_deref())
            .bind(it.price.0)
            .bind(it.final_price.0)
            .bind(coupon.map_or(0, |c| c.amount.0))
            .bind(coupon.map_or(0, |c| c.threshold.0))
            .bind(coupon.and_then(|c| c.starts_at))
            .bind(coupon.and_then(|c| c.ends_at))
            .bind(it.commission_rate.0)
            .bind(it.commission.0)
            .bind(it.sales)
            .bind(it.sales_text.as_deref())
            .bind(&it.shop)
            .bind(&it.category)
            .bind(&it.source)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            if first_seen == now {
                added += 1;
            }
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Items matching `f` in `sort` order.
    pub async fn feed_items(
        &self,
        f: &FeedFilter,
        sort: FeedSort,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<StoredFeedItem>> {
        let (clause, args) = conditions(f);
        let n = args.len();
        let sql = format!(
            "SELECT {COLUMNS} FROM feed_items {clause} ORDER BY {} LIMIT ${} OFFSET ${}",
            order_by(sort),
            n + 1,
            n + 2
        );
        let q = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args);
        let rows = q.bind(limit).bind(offset).fetch_all(&self.pool).await?;
        rows.iter().map(read).collect()
    }

    /// How many items match `f`.
    pub async fn count_feed_items(&self, f: &FeedFilter) -> StoreResult<i64> {
        let (clause, args) = conditions(f);
        let sql = format!("SELECT COUNT(*) AS n FROM feed_items {clause}");
        let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args).fetch_one(&self.pool).await?;
        col(&row, "n")
    }

    /// One item by id.
    pub async fn feed_item(&self, id: i64) -> StoreResult<StoredFeedItem> {
        let sql = format!("SELECT {COLUMNS} FROM feed_items WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        read(&row)
    }

    /// The category names in the library (sorted by code point, the same on both engines), for the filter form.
    pub async fn feed_categories(&self) -> StoreResult<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT category FROM feed_items WHERE category <> ''")
            .fetch_all(&self.pool)
            .await?;
        let mut names: Vec<String> = rows.into_iter().map(|(c,)| c).collect();
        names.sort();
        Ok(names)
    }
}
