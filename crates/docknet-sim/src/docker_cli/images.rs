//! The ports well-known images `EXPOSE`.

use super::*;

/// Ports an image `EXPOSE`s (the port its main process listens on), for well-known images.
/// The tag, digest and registry/namespace prefix are ignored, so `library/nginx:1.27-alpine`
/// and `docker.io/library/redis@sha256:...` are recognised. Unknown images (and
/// `busybox`, `alpine`, `ubuntu`, `debian`) expose nothing.
pub fn image_ports(image: &str) -> Vec<(u16, PortProto)> {
    let s = image.trim();
    let s = s.split('@').next().unwrap_or(s);
    let last = s.rsplit('/').next().unwrap_or(s);
    let name = last.split(':').next().unwrap_or(last).to_ascii_lowercase();
    let tcp = |p: u16| vec![(p, PortProto::Tcp)];
    match name.as_str() {
        "nginx" | "httpd" | "caddy" | "traefik" => tcp(80),
        "postgres" => tcp(5432),
        "mysql" | "mariadb" => tcp(3306),
        "redis" => tcp(6379),
        "mongo" => tcp(27017),
        "memcached" => tcp(11211),
        "rabbitmq" => tcp(5672),
        "coredns" => vec![(53, PortProto::Udp), (53, PortProto::Tcp)],
        _ => Vec::new(),
    }
}
