//! A UDP relay (docker-proxy `-proto udp`, Docker Desktop's forwarder): each client address
//! gets a socket of its own towards the target (docker-proxy's connection table); datagrams
//! go through unchanged both ways, the answers leaving the port the client sent to.

use super::{APP_DELAY, AppEvent, Procs, Sock, SockKind};
use crate::ids::SocketId;
use crate::stack::KernelEvent;
use crate::wire::UdpPayload;
use std::net::Ipv4Addr;

impl<E: From<AppEvent> + From<KernelEvent>> Procs<'_, E> {
    /// Relay `l` (listening, towards `to`) got `payload` from `client` at `local`.
    pub(super) fn udp_relay_in(
        &mut self,
        l: SocketId,
        to: (Ipv4Addr, u16),
        client: (Ipv4Addr, u16),
        local: Ipv4Addr,
        payload: UdpPayload,
    ) {
        let existing = self.apps.socks.iter().position(|s| {
            matches!(s.kind, SockKind::UdpRelayBack { front, client: c, .. } if front == l && c == client)
        });
        let back = match existing {
            Some(i) => SocketId(i as u32),
            None => {
                let ns = self.apps.socks[l.index()].ns;
                let Some(src) = self.select_source(ns, to.0) else {
                    self.sock_event(
                        l,
                        format!("cannot relay to {}:{}: no route", to.0, to.1).into(),
                    );
                    return;
                };
                let port = self.ephemeral_port(ns);
                let process = self.apps.socks[l.index()].process;
                // Answers leave the listening socket as any unconnected socket sends: from
                // its bound address, or, bound to 0.0.0.0, from the address the route to the
                // client picks, which need not be the one the client sent to (a container
                // asking the host's LAN address gets the answer from docker0's: dockerd
                // 20.10.24's docker-proxy does this, and the client rejects it).
                let bound = self.apps.socks[l.index()].local.0;
                let answer_from = if bound.is_unspecified() {
                    self.select_source(ns, client.0).unwrap_or(local)
                } else {
                    bound
                };
                let s = self.apps.add(Sock {
                    ns,
                    process,
                    local: (src, port),
                    remote: Some(to),
                    kind: SockKind::UdpRelayBack {
                        front: l,
                        client,
                        answer_from,
                    },
                });
                self.sock_event(
                    s,
                    format!(
                        "udp from {}:{}: relaying to {}:{} from {src}:{port}",
                        client.0, client.1, to.0, to.1
                    )
                    .into(),
                );
                s
            }
        };
        let from = self.apps.socks[back.index()].local.0;
        let ev = AppEvent::UdpForward {
            sock: back,
            to,
            from,
            payload,
        };
        self.schedule_in(APP_DELAY, ev);
    }

    /// The target answered on relay socket `back`: pass it to the client.
    pub(super) fn udp_relay_out(&mut self, back: SocketId, payload: UdpPayload) {
        let SockKind::UdpRelayBack {
            front,
            client,
            answer_from,
        } = self.apps.socks[back.index()].kind
        else {
            return;
        };
        let ev = AppEvent::UdpForward {
            sock: front,
            to: client,
            from: answer_from,
            payload,
        };
        self.schedule_in(APP_DELAY, ev);
    }
}
