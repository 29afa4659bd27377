//! The client's address: the socket peer, or — only when the peer is a trusted proxy — the first
//! untrusted address in `X-Forwarded-For`, read from the right.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};
use ipnet::IpNet;

/// Resolves the client address of `req`. `None` when the server was not given connection info
/// (in-process tests), which is never treated as loopback.
pub fn client_ip(
    headers: &HeaderMap,
    extensions: &Extensions,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let peer = extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    if !is_trusted(peer, trusted) {
        return Some(peer);
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(ip, trusted) => continue,
            Ok(ip) => return Some(ip),
            // A garbled entry ends the chain we can believe; the last trusted hop is the client.
            Err(_) => break,
        }
    }
    Some(peer)
}

/// Returns true if and only if `ip` is inside one of the `trusted` networks.
pub fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&ip))
}

/// True when the request came over HTTPS as far as we can believe: forced by configuration, or
/// said by a trusted proxy in `X-Forwarded-Proto`.
pub fn is_https(
    headers: &HeaderMap,
    extensions: &Extensions,
    trusted: &[IpNet],
    force_https: bool,
) -> bool {
    if force_https {
        return true;
    }
    let Some(peer) = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
    else {
        return false;
    };
    is_trusted(peer, trusted)
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            == Some("https")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip_of(peer: Option<&str>, xff: Option<&str>, trusted: &[IpNet]) -> Option<IpAddr> {
        let mut headers = HeaderMap::new();
        if let Some(x) = xff {
            headers.insert("x-forwarded-for", x.parse().expect("header"));
        }
        let mut ext = Extensions::new();
        if let Some(p) = peer {
            ext.insert(ConnectInfo(p.parse::<SocketAddr>().expect("addr")));
        }
        client_ip(&headers, &ext, trusted)
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().expect("net")];
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        assert_eq!(
            ip_of(Some("1.2.3.4:5"), Some("127.0.0.1"), &trusted),
            Some(ip("1.2.3.4"))
        );
        assert_eq!(
            ip_of(
                Some("10.0.0.1:5"),
                Some("127.0.0.1, 9.9.9.9, 10.0.0.2"),
                &trusted
            ),
            Some(ip("9.9.9.9"))
        );
        assert_eq!(
            ip_of(Some("10.0.0.1:5"), None, &trusted),
            Some(ip("10.0.0.1"))
        );
        assert_eq!(ip_of(None, None, &trusted), None);
    }
}
