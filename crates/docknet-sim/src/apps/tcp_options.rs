//! The TCP options and window fields Linux writes, checked in the lab (kernel 6.18, two
//! namespaces on a veth pair, default sysctls):
//! `Flags [S], win 64240, options [mss 1460,sackOK,TS val 446802863 ecr 0,nop,wscale 10]`,
//! `Flags [S.], win 65160, options [mss 1460,sackOK,TS val 1714746988 ecr 446802863,nop,wscale 10]`,
//! then `win 63` one way and `win 64` the other with `options [nop,nop,TS val .. ecr ..]`.

use crate::model::Sysctls;
use crate::wire::TcpOptions;
use std::net::Ipv4Addr;

/// The window scale Linux offers, from its largest receive buffer: `ilog2(tcp_rmem[2]) - 15`;
/// 32 MiB on the 6.18 kernel the lab runs gives 10 (6 MiB kernels give 7).
pub(crate) const WINDOW_SCALE: u8 = 10;

/// The options both ends agreed in the handshake, and our side's window.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Agreed {
    pub timestamps: bool,
    pub sack: bool,
    /// The scale our window field is sent with, if both ends sent window scale.
    pub rcv_wscale: Option<u8>,
    /// The peer's last TSval, echoed as TSecr.
    pub ts_recent: u32,
    /// Our receive window in bytes, as the handshake set it.
    pub rcv_wnd: u32,
}

/// `ipv4_default_advmss`: the route's MTU less 40 bytes of headers, at most 65495.
pub(crate) fn mss_for_mtu(mtu: u32) -> u16 {
    (mtu.clamp(88, 65535) - 40) as u16
}

/// `tcp_select_initial_window`: the largest multiple of the MSS that fits in 65535.
pub(crate) fn initial_window(mss: u32) -> u32 {
    (65535 / mss.max(1)).max(1) * mss
}

/// The window field: SYNs carry it unscaled; later segments round the window up to the
/// scale's unit and shift it (64240 with scale 10 -> 63).
pub(crate) fn window_field(rcv_wnd: u32, wscale: Option<u8>) -> u16 {
    match wscale {
        Some(w) => (rcv_wnd.next_multiple_of(1 << w) >> w).min(65535) as u16,
        None => rcv_wnd.min(65535) as u16,
    }
}

/// The TSval clock: milliseconds plus an offset, per address pair (`secure_tcp_ts_off`,
/// `tcp_timestamps=1`) or one for the whole machine (`tcp_timestamps=2`): a hash of the pair
/// and the simulation's secret.
pub(crate) fn ts_val(secret: u64, pair: Option<(Ipv4Addr, Ipv4Addr)>, now_ms: u64) -> u32 {
    let (src, dst) = pair.unwrap_or((Ipv4Addr::UNSPECIFIED, Ipv4Addr::UNSPECIFIED));
    let mut x = secret ^ (u64::from(u32::from(src)) << 32 | u64::from(u32::from(dst)));
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    ((x ^ (x >> 31)) as u32).wrapping_add(now_ms as u32)
}

/// What a connecting socket offers in its SYN (narrowed by [`take_syn_ack`]).
pub(crate) fn offer(sys: &Sysctls, mss: u16) -> Agreed {
    Agreed {
        timestamps: sys.tcp_timestamps,
        sack: sys.tcp_sack,
        rcv_wscale: sys.tcp_window_scaling.then_some(WINDOW_SCALE),
        ts_recent: 0,
        rcv_wnd: initial_window(u32::from(mss)),
    }
}

/// What a listener agrees to for an incoming SYN's options.
pub(crate) fn answer(sys: &Sysctls, syn: &TcpOptions, mss: u16) -> Agreed {
    let timestamps = sys.tcp_timestamps && syn.timestamps.is_some();
    // With timestamps the window counts segments of the MSS less the 12-byte option.
    let wnd_mss = u32::from(mss) - if timestamps { 12 } else { 0 };
    Agreed {
        timestamps,
        sack: sys.tcp_sack && syn.sack_permitted,
        rcv_wscale: (sys.tcp_window_scaling && syn.window_scale.is_some()).then_some(WINDOW_SCALE),
        ts_recent: syn.timestamps.map_or(0, |t| t.0),
        rcv_wnd: initial_window(wnd_mss),
    }
}

/// A connecting socket keeps only what the SYN-ACK also carries.
pub(crate) fn take_syn_ack(a: &mut Agreed, syn_ack: &TcpOptions) {
    a.timestamps &= syn_ack.timestamps.is_some();
    a.sack &= syn_ack.sack_permitted;
    if syn_ack.window_scale.is_none() {
        a.rcv_wscale = None;
    }
    if let Some((val, _)) = syn_ack.timestamps {
        a.ts_recent = val;
    }
}

/// The options and window field of a segment this end sends: SYNs and SYN-ACKs carry MSS,
/// SACK permitted, timestamps and window scale as offered or agreed, and an unscaled window;
/// later segments carry only timestamps, and the window left after `consumed` bytes (the
/// right edge stays put as data arrives: `win 65060` after 100 bytes in the lab), scaled.
pub(crate) fn outgoing(
    a: &Agreed,
    mss: u16,
    syn: bool,
    ack: bool,
    tsval: u32,
    consumed: u32,
) -> (TcpOptions, u16) {
    let ecr = if syn && !ack { 0 } else { a.ts_recent };
    let timestamps = a.timestamps.then_some((tsval, ecr));
    if syn {
        let options = TcpOptions {
            mss: Some(mss),
            sack_permitted: a.sack,
            timestamps,
            window_scale: a.rcv_wscale,
        };
        (options, window_field(a.rcv_wnd, None))
    } else {
        let options = TcpOptions {
            timestamps,
            ..TcpOptions::default()
        };
        let left = a.rcv_wnd.saturating_sub(consumed);
        (options, window_field(left, a.rcv_wscale))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_mss_match_the_lab() {
        assert_eq!(mss_for_mtu(1500), 1460);
        assert_eq!(mss_for_mtu(65536), 65495, "loopback");
        assert_eq!(initial_window(1460), 64240, "the SYN's window");
        assert_eq!(
            initial_window(1448),
            65160,
            "the SYN-ACK's, with timestamps"
        );
        assert_eq!(initial_window(65495), 65495, "a SYN on lo");
        assert_eq!(window_field(64240, Some(10)), 63);
        assert_eq!(window_field(65160, Some(10)), 64);
        assert_eq!(window_field(65495, Some(7)), 512, "lo with scale 7");
        assert_eq!(window_field(64240, None), 64240);
    }

    #[test]
    fn a_syn_without_timestamps_gets_a_syn_ack_without_them() {
        let sys = Sysctls::new();
        let client = offer(&sys, 1460);
        let (syn, win) = outgoing(&client, 1460, true, false, 7, 0);
        assert_eq!(
            syn.tcpdump(),
            "mss 1460,sackOK,TS val 7 ecr 0,nop,wscale 10"
        );
        assert_eq!((syn.len(), win), (20, 64240), "a 60-byte SYN");
        let no_ts = TcpOptions {
            timestamps: None,
            ..syn
        };
        let server = answer(&sys, &no_ts, 1460);
        let (syn_ack, win) = outgoing(&server, 1460, true, true, 9, 0);
        assert_eq!(syn_ack.tcpdump(), "mss 1460,nop,nop,sackOK,nop,wscale 10");
        assert_eq!(win, 64240, "no timestamps: the full MSS counts");
        let mut client = client;
        take_syn_ack(&mut client, &syn_ack);
        let (ack, win) = outgoing(&client, 1460, false, true, 8, 0);
        assert!(ack.is_empty(), "{ack:?}");
        assert_eq!(win, 63);

        let server = answer(&sys, &syn, 1460);
        let (syn_ack, win) = outgoing(&server, 1460, true, true, 9, 0);
        assert_eq!(
            syn_ack.tcpdump(),
            "mss 1460,sackOK,TS val 9 ecr 7,nop,wscale 10"
        );
        assert_eq!(win, 65160);
        let (data, win) = outgoing(&server, 1460, false, true, 10, 0);
        assert_eq!(data.tcpdump(), "nop,nop,TS val 10 ecr 7");
        assert_eq!((data.len(), win), (12, 64));
        let (_, win) = outgoing(&client, 1460, false, true, 8, 300);
        assert_eq!(win, 63, "64240 - 300 rounds up to the same 63 units");
        let unscaled = Agreed {
            rcv_wscale: None,
            ..server
        };
        let (_, win) = outgoing(&unscaled, 1460, false, true, 8, 101);
        assert_eq!(
            win, 65059,
            "100 bytes and a FIN into 65160, as the lab shows"
        );
    }
}
