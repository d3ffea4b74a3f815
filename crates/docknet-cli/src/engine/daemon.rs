//! A real dockerd in network namespaces of its own: the host namespace (with the scenario's
//! NICs, each a veth whose other end sits in the namespace of the peer on that LAN, or in an
//! empty LAN namespace), the daemon's directories under
//! one work directory, and images made from a busybox-static root filesystem. Everything is
//! removed when the [`Daemon`] is dropped, also on failure.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running dockerd and what it was given.
pub struct Daemon {
    /// Names of the namespaces this run made (the host's first).
    namespaces: Vec<String>,
    dir: PathBuf,
    child: Option<Child>,
}

/// One host NIC and what is at its other end.
pub struct Nic {
    pub name: String,
    /// `address/len`.
    pub addr: String,
    pub peer: Option<Peer>,
}

/// The one machine cabled to a host NIC, as docknet's scenario has it.
pub struct Peer {
    /// Its namespace's name (made as `<prefix><ns>`).
    pub ns: String,
    pub iface: String,
    /// `address/len`.
    pub addr: String,
    /// `default via ...` and the like, as `ip route add` takes them.
    pub routes: Vec<String>,
}

/// The busybox applets the images carry (`sleep` is their command).
const APPLETS: &[&str] = &[
    "sh", "sleep", "nc", "httpd", "cat", "echo", "ip", "nslookup",
];

/// How long dockerd may take to answer on its socket.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Run a command and return its stdout, or an error with its stderr.
pub fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Why a real dockerd cannot run here, if it cannot.
pub fn unavailable() -> Option<String> {
    let uid = run(Command::new("id").arg("-u")).ok();
    if uid.as_deref().map(str::trim) != Some("0") {
        return Some("not running as root".into());
    }
    for tool in ["dockerd", "docker", "nsenter", "ip", "iptables-save", "tar"] {
        let found = Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            return Some(format!(
                "{tool} is not installed (apt-get install docker.io iproute2 iptables util-linux)"
            ));
        }
    }
    if !Path::new(BUSYBOX).exists() {
        return Some(format!(
            "{BUSYBOX} is missing (apt-get install busybox-static)"
        ));
    }
    None
}

const BUSYBOX: &str = "/bin/busybox";

impl Daemon {
    /// Make the namespaces, start dockerd with `flags` (and `daemon_json`, if any) and wait
    /// until it answers.
    pub fn start(
        prefix: &str,
        nics: &[Nic],
        gateway: Option<&str>,
        flags: &[String],
        daemon_json: Option<&str>,
    ) -> Result<Daemon, String> {
        let dir = std::env::temp_dir().join(format!("{prefix}dockerd"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let host = format!("{prefix}host");
        let mut d = Daemon {
            namespaces: vec![host.clone()],
            dir,
            child: None,
        };
        run(Command::new("ip").args(["netns", "add", &host]))?;
        d.ip(&host, &["link", "set", "lo", "up"])?;
        // docknet's hosts are IPv4-only: without IPv6, docker-proxy binds no `[::]` socket.
        ipv4_only(&host)?;
        for (i, nic) in nics.iter().enumerate() {
            let (lan, iface) = match &nic.peer {
                Some(p) => (format!("{prefix}{}", p.ns), p.iface.clone()),
                None => (format!("{prefix}lan{i}"), "lan0".to_string()),
            };
            run(Command::new("ip").args(["netns", "add", &lan]))?;
            d.namespaces.push(lan.clone());
            d.ip(&lan, &["link", "set", "lo", "up"])?;
            ipv4_only(&lan)?;
            d.ip(
                &host,
                &[
                    "link", "add", &nic.name, "type", "veth", "peer", "name", &iface, "netns", &lan,
                ],
            )?;
            d.ip(&host, &["addr", "add", &nic.addr, "dev", &nic.name])?;
            d.ip(&host, &["link", "set", &nic.name, "up"])?;
            d.ip(&lan, &["link", "set", &iface, "up"])?;
            if let Some(p) = &nic.peer {
                d.ip(&lan, &["addr", "add", &p.addr, "dev", &iface])?;
                for r in &p.routes {
                    let mut args = vec!["route", "add"];
                    args.extend(r.split_whitespace());
                    d.ip(&lan, &args)?;
                }
            }
        }
        if let Some(gw) = gateway {
            d.ip(&host, &["route", "add", "default", "via", gw])?;
        }
        let mut args: Vec<String> = vec![
            format!("--net=/run/netns/{host}"),
            "dockerd".into(),
            "-H".into(),
            format!("unix://{}", d.socket().display()),
            "--data-root".into(),
            d.dir.join("data").display().to_string(),
            "--exec-root".into(),
            d.dir.join("exec").display().to_string(),
            "--pidfile".into(),
            d.dir.join("docker.pid").display().to_string(),
            "--storage-driver".into(),
            "vfs".into(),
        ];
        if let Some(json) = daemon_json {
            let file = d.dir.join("daemon.json");
            std::fs::write(&file, json).map_err(|e| format!("{}: {e}", file.display()))?;
            args.push("--config-file".into());
            args.push(file.display().to_string());
        }
        args.extend(flags.iter().cloned());
        let log = std::fs::File::create(d.dir.join("dockerd.log")).map_err(|e| e.to_string())?;
        let child = Command::new("nsenter")
            .args(&args)
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start dockerd: {e}"))?;
        d.child = Some(child);
        let t0 = Instant::now();
        while d
            .docker(&["info", "--format", "{{.ServerVersion}}"])
            .is_err()
        {
            let exited = d.child.as_mut().and_then(|c| c.try_wait().ok().flatten());
            if exited.is_some() || t0.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "dockerd did not start ({}); its log:\n{}",
                    exited.map_or("no answer in 60 s".into(), |s| s.to_string()),
                    d.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(d)
    }

    pub fn host(&self) -> &str {
        &self.namespaces[0]
    }

    fn socket(&self) -> PathBuf {
        self.dir.join("docker.sock")
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    fn ip(&self, ns: &str, args: &[&str]) -> Result<String, String> {
        run(Command::new("ip").arg("-n").arg(ns).args(args))
    }

    /// The `docker` client against this daemon.
    pub fn docker(&self, args: &[&str]) -> Result<String, String> {
        run(self.docker_cmd().args(args))
    }

    fn docker_cmd(&self) -> Command {
        let mut c = Command::new("docker");
        c.env("DOCKER_HOST", format!("unix://{}", self.socket().display()));
        c
    }

    /// Run one command line of the scenario through `sh -c` (so quoting works as in a
    /// terminal), with `docker` talking to this daemon.
    pub fn shell(&self, line: &str) -> Result<String, String> {
        let mut c = Command::new("sh");
        c.env("DOCKER_HOST", format!("unix://{}", self.socket().display()));
        run(c.arg("-c").arg(line))
    }

    /// Docker Compose v1 (`docker-compose`) against this daemon, in directory `dir` (where it
    /// reads `.env`).
    pub fn compose(&self, dir: &Path, args: &[&str]) -> Result<String, String> {
        let mut c = Command::new("docker-compose");
        c.env("DOCKER_HOST", format!("unix://{}", self.socket().display()));
        run(c.current_dir(dir).args(args))
    }

    /// Run a command in the host namespace (iptables lines of the scenario, `iptables-save`).
    pub fn in_host(&self, argv: &[&str]) -> Result<String, String> {
        run(Command::new("nsenter")
            .arg(format!("--net=/run/netns/{}", self.host()))
            .args(argv))
    }

    /// Run a command in a container's network namespace.
    pub fn in_container(&self, container: &str, argv: &[&str]) -> Result<String, String> {
        let pid = self.docker(&["inspect", "-f", "{{.State.Pid}}", container])?;
        run(Command::new("nsenter")
            .arg("-t")
            .arg(pid.trim())
            .arg("-n")
            .args(argv))
    }

    /// Give container `name`'s network namespace the name `as_ns` under /run/netns (as
    /// the lab's scripts address namespaces); removed with the daemon.
    pub fn name_netns(&mut self, container: &str, as_ns: &str) -> Result<(), String> {
        let pid = self.docker(&["inspect", "-f", "{{.State.Pid}}", container])?;
        run(Command::new("ip").args(["netns", "attach", as_ns, pid.trim()]))?;
        self.namespaces.push(as_ns.to_string());
        Ok(())
    }

    /// Make `image` from busybox: it exposes `ports` (`80/tcp`) and sleeps.
    pub fn import_image(&self, image: &str, ports: &[String]) -> Result<(), String> {
        let root = self.dir.join("rootfs");
        if !root.exists() {
            for sub in ["bin", "etc", "tmp"] {
                std::fs::create_dir_all(root.join(sub)).map_err(|e| e.to_string())?;
            }
            std::fs::copy(BUSYBOX, root.join("bin/busybox")).map_err(|e| e.to_string())?;
            for a in APPLETS {
                std::os::unix::fs::symlink("busybox", root.join("bin").join(a))
                    .map_err(|e| e.to_string())?;
            }
            run(Command::new("tar")
                .arg("-C")
                .arg(&root)
                .arg("-cf")
                .arg(self.dir.join("rootfs.tar"))
                .arg("."))?;
        }
        let mut args = vec![
            "import".to_string(),
            "--change".into(),
            r#"CMD ["/bin/sleep","1000000"]"#.into(),
        ];
        for p in ports {
            args.push("--change".into());
            args.push(format!("EXPOSE {p}"));
        }
        args.push(self.dir.join("rootfs.tar").display().to_string());
        args.push(image.into());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.docker(&refs).map(|_| ())
    }
}

/// IPv6 off in a namespace (docknet models IPv4 only: no router solicitations, no MLD).
fn ipv4_only(ns: &str) -> Result<(), String> {
    for key in ["all", "default"] {
        run(Command::new("nsenter")
            .arg(format!("--net=/run/netns/{ns}"))
            .args([
                "sysctl",
                "-qw",
                &format!("net.ipv6.conf.{key}.disable_ipv6=1"),
            ]))?;
    }
    Ok(())
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(ids) = self.docker(&["ps", "-aq"]) {
            let ids: Vec<&str> = ids.split_whitespace().collect();
            if !ids.is_empty() {
                let mut args = vec!["rm", "-f"];
                args.extend(ids);
                let _ = self.docker(&args);
            }
        }
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let t0 = Instant::now();
            while child.try_wait().ok().flatten().is_none() {
                if t0.elapsed() > Duration::from_secs(20) {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        for ns in &self.namespaces {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
        // vfs layers are plain directories; containerd's state may hold mounts for a moment.
        let _ = Command::new("umount")
            .arg("-R")
            .arg("-l")
            .arg(self.dir.join("exec"))
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
