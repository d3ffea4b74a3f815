//! Invalid Docker-level input gets a diagnostic with file:line:column and a fix.

fn error_text(text: &str) -> String {
    match docknet_sim::load("lesson.ron", text) {
        Ok(_) => panic!("should have been rejected"),
        Err(e) => e.to_string(),
    }
}

fn with_commands(cmds: &[&str]) -> String {
    let list: Vec<String> = cmds.iter().map(|c| format!("        \"{c}\",")).collect();
    format!(
        "DockerScenario(\n    commands: [\n{}\n    ],\n)",
        list.join("\n")
    )
}

#[test]
fn unknown_network() {
    let e = error_text(&with_commands(&[
        "docker run -d --name web --network appnet nginx",
    ]));
    assert!(e.starts_with("lesson.ron:3:"), "{e}");
    assert!(e.contains("network appnet not found"), "{e}");
    assert!(e.contains("docker network create appnet"), "{e}");
}

#[test]
fn port_already_published() {
    let e = error_text(&with_commands(&[
        "docker run -d --name one -p 8080:80 nginx",
        "docker run -d --name two -p 8080:80 nginx",
    ]));
    assert!(e.starts_with("lesson.ron:4:"), "{e}");
    assert!(
        e.contains("Bind for 0.0.0.0:8080 failed: port is already allocated"),
        "{e}"
    );
}

#[test]
fn subnet_overlap() {
    let e = error_text(&with_commands(&[
        "docker network create --subnet 172.17.5.0/24 clash",
    ]));
    assert!(e.contains("Pool overlaps"), "{e}");
    assert!(e.contains("network `bridge`"), "{e}");
    let on_host = error_text(&with_commands(&[
        "docker network create --subnet 10.12.91.0/24 lan",
    ]));
    assert!(
        on_host.contains("the host's own subnet 10.12.91.0/24"),
        "{on_host}"
    );
}

#[test]
fn container_mode_naming_a_missing_container() {
    let e = error_text(&with_commands(&[
        "docker run -d --name side --network container:ghost alpine",
    ]));
    assert!(e.contains("No such container: ghost"), "{e}");
    let line3 = e.lines().next().unwrap();
    assert!(line3.starts_with("lesson.ron:3:"), "{e}");
}

#[test]
fn unknown_flag_points_at_the_flag() {
    let text = with_commands(&["docker run -d --publsh 8080:80 nginx"]);
    let e = error_text(&text);
    assert!(e.contains("unknown flag: --publsh"), "{e}");
    assert!(e.contains("--publish"), "{e}");
    // Column of `--publsh` in the file: 9 (indent + quote) + offset within the command.
    let col = 9 + "docker run -d ".len() + 1;
    assert!(e.starts_with(&format!("lesson.ron:3:{col}:")), "{e}");
}

#[test]
fn container_lifecycle_mistakes() {
    let e = error_text(&with_commands(&[
        "docker run -d --name web nginx",
        "docker rm web",
    ]));
    assert!(e.starts_with("lesson.ron:4:"), "{e}");
    assert!(e.contains("container is running"), "{e}");
    assert!(e.contains("docker rm -f"), "{e}");

    // (commands, what the error says)
    let cases: [(&[&str], &str); 7] = [
        (&["docker stop nosuch"], "No such container: nosuch"),
        (
            &[
                "docker run -d --name web nginx",
                "docker stop web",
                "docker run -d --name web nginx",
            ],
            "is already in use",
        ),
        (
            &[
                "docker run -d --name web nginx",
                "docker run -d --name side --network container:web busybox",
                "docker stop web",
            ],
            "side shares web's network namespace",
        ),
        (
            &[
                "docker run -d --name web nginx",
                "docker stop web",
                "docker kill web",
            ],
            "container is not running",
        ),
        (
            &[
                "docker run -d --rm --name job busybox",
                "docker stop job",
                "docker start job",
            ],
            "No such container: job",
        ),
        // Only a container with a network namespace of its own joins networks.
        (
            &[
                "docker run -d --name hostweb --network host nginx",
                "docker network connect bridge hostweb",
            ],
            "connected to host network",
        ),
        (
            &[
                "docker run -d --name web nginx",
                "docker run -d --name side --network container:web busybox",
                "docker network connect bridge side",
            ],
            "sharing network namespace",
        ),
    ];
    for (commands, says) in cases {
        let e = error_text(&with_commands(commands));
        assert!(e.contains(says), "{commands:?}: {e}");
    }

    let e = error_text(&with_commands(&["docker stop"]));
    assert!(
        e.contains("\"docker stop\" requires at least 1 argument"),
        "{e}"
    );

    let e = error_text(
        "DockerScenario(\n    commands: [\"docker run -d --name web nginx\", \"docker stop web\"],\n    traffic: [Tcp(from: \"web\", to: \"1.1.1.1:80\")],\n)",
    );
    assert!(e.contains("container web is not running"), "{e}");
    assert!(e.contains("docker start web"), "{e}");
}
