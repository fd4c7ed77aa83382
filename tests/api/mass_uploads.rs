//! Images for mass posts up to 2 MB go through although the server's general body limit is far smaller; larger
//! ones are refused with the size rule in Chinese, whether or not the client announced their length.

use crate::admin_helpers::{ADMIN, ADMIN_PASSWORD, AdminClient, add_user};
use crate::helpers::TestApp;
use dealbot::store::users::Role;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn images_up_to_2_mb_upload_and_larger_ones_get_the_size_rule() {
    let app = TestApp::spawn().await;
    let limit = app.engine.settings.server.body_limit_bytes;
    add_user(&app, ADMIN, ADMIN_PASSWORD, Role::Admin, None).await;
    let mut c = AdminClient::new(&app);
    c.login(ADMIN, ADMIN_PASSWORD).await;
    let csrf = c.csrf().await;
    let session = c.session().unwrap().to_string();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let upload = |body: reqwest::Body| {
        http.post(format!("{}/admin/api/mass-posts/images", app.base))
            .header("Cookie", format!("dealbot_session={session}"))
            .header("X-CSRF-Token", &csrf)
            .header("Content-Type", "image/jpeg")
            .body(body)
            .send()
    };
    let jpeg = |len: usize| {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
        b.resize(len, 0x11);
        b
    };

    // Well above the general limit, and exactly 2 MB: taken, and served back byte for byte.
    for len in [limit * 4, 2 * 1024 * 1024] {
        assert!(len > limit);
        let resp = upload(jpeg(len).into()).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{len} bytes");
        let up: Value = resp.json().await.unwrap();
        let id = up["media_id"].as_str().unwrap();
        let served = http.get(format!("{}/media/{id}.jpg", app.base)).send().await.unwrap();
        assert_eq!(served.status(), StatusCode::OK);
        assert_eq!(served.bytes().await.unwrap().len(), len);
    }

    // One byte more with its length announced, or a stream of 6 MB without one: the size rule.
    let resp = upload(jpeg(2 * 1024 * 1024 + 1).into()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "图片大小应在 2 MB 以内", "{body}");
    let head = format!(
        "POST /admin/api/mass-posts/images HTTP/1.1\r\nHost: x\r\nCookie: dealbot_session={session}\r\n\
         X-CSRF-Token: {csrf}\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let answer = chunked_post(&app.base, &head, &jpeg(1024 * 1024), 6).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("图片大小应在 2 MB 以内"), "{answer}");

    // Every other route keeps the general limit.
    let big = serde_json::json!({"text": "字".repeat(limit)});
    let resp = c.post_json("/admin/api/mass-posts/preview", &big, Some(&csrf)).await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// Sends `head`, then `chunk` `times` in chunked transfer encoding while reading the answer (the server answers
/// and closes before the last chunk, so reading cannot wait for the writing to end).
async fn chunked_post(base: &str, head: &str, chunk: &[u8], times: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://").trim_end_matches('/');
    let (mut rx, mut tx) = tokio::net::TcpStream::connect(addr).await.unwrap().into_split();
    let mut frames = head.as_bytes().to_vec();
    for _ in 0..times {
        frames.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        frames.extend_from_slice(chunk);
        frames.extend_from_slice(b"\r\n");
    }
    frames.extend_from_slice(b"0\r\n\r\n");
    let writer = tokio::spawn(async move { tx.write_all(&frames).await.is_ok() });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = rx.read(&mut buf).await {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
    }
    writer.abort();
    String::from_utf8_lossy(&answer).into_owned()
}
