//! The example axum service over a real socket: started on 127.0.0.1, port 0, and driven by
//! a raw HTTP/1.1 client, so that requests arrive exactly as written (duplicate headers,
//! unnormalized paths) and answers are read as a client sees them.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Starts the example service on a free port and returns its address.
async fn start() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("an address").port();
    drop(listener);
    let binary = env!("CARGO_BIN_EXE_portcullis");
    let _ = binary;
    let mut child = tokio::process::Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--example", "axum_service", "--features", "axum"])
        .env("PORT", port.to_string())
        .kill_on_drop(true)
        .spawn()
        .expect("the example starts");
    let address: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    for _ in 0..600 {
        if TcpStream::connect(address).await.is_ok() {
            std::mem::forget(child);
            return address;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the example exited: {status}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the example did not start listening");
}

/// Sends `request` (with `Connection: close` added) and returns the raw response.
async fn send(address: std::net::SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(address).await.expect("connects");
    let request = request.replacen("\r\n", "\r\nConnection: close\r\n", 1);
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("reads");
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn anonymous_requests_get_a_challenge() {
    let address = start().await;
    let response = send(address, "GET /admin/users HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    assert!(response.contains("www-authenticate: Bearer realm=\"api.example.com\""), "{response}");
}
