//! Output written as the run produces it: each step's records go to a [`Sink`] and are then
//! dropped, so a run of any length holds only what its sink keeps (see each sink's state).

use docknet_sim::Sim;
use docknet_sim::format::explain::Narrator;
use docknet_sim::format::tcpdump::{CapturePoint, Tcpdump};
use docknet_sim::format::{jsonl, nft};
use docknet_sim::ids::PacketId;
use docknet_sim::pcap::PcapStream;
use docknet_sim::time::SimTime;
use docknet_sim::trace::{TraceEvent, TraceRecord};
use std::collections::HashSet;
use std::io::Write;

/// Steps between the checks for packets that are gone ([`Sink::retire`]).
pub const RETIRE_EVERY: usize = 4096;

/// Where a streamed run's records go.
pub trait Sink {
    /// The next record (which happened at `t`), in trace order.
    fn record(&mut self, t: SimTime, r: &TraceRecord) -> Result<(), String>;
    /// Every [`RETIRE_EVERY`] steps: the packets still in existence, so that state kept per
    /// packet can be dropped for the others.
    fn retire(&mut self, _live: &HashSet<PacketId>) -> Result<(), String> {
        Ok(())
    }
    /// After the last record.
    fn finish(&mut self) -> Result<(), String>;
}

/// Run `sim` to the end, handing every record to `sink` as it is produced.
pub fn run(sim: &mut Sim, sink: &mut impl Sink) -> Result<(), String> {
    let mut steps = 0usize;
    loop {
        for (t, r) in sim.drain_trace() {
            sink.record(t, &r)?;
        }
        // Only once the sink has every record so far: a packet gone now may have records
        // in the last step.
        if steps > 0 && steps.is_multiple_of(RETIRE_EVERY) {
            sink.retire(&sim.live_packets())?;
        }
        if sim.is_finished() {
            return sink.finish();
        }
        sim.step();
        steps += 1;
    }
}

fn write_err(e: std::io::Error) -> String {
    format!("cannot write output: {e}")
}

/// Standard output, buffered.
pub fn stdout() -> std::io::BufWriter<std::io::StdoutLock<'static>> {
    std::io::BufWriter::new(std::io::stdout().lock())
}

/// One line per record that has one, as `lines().join("\n") + "\n"` prints them: an empty
/// trace is a single newline. Stateless.
pub struct Lines<W: Write, F: FnMut(SimTime, &TraceRecord) -> Option<String>> {
    out: W,
    line: F,
    any: bool,
}

impl<W: Write, F: FnMut(SimTime, &TraceRecord) -> Option<String>> Lines<W, F> {
    pub fn new(out: W, line: F) -> Self {
        Lines {
            out,
            line,
            any: false,
        }
    }
}

impl<W: Write, F: FnMut(SimTime, &TraceRecord) -> Option<String>> Sink for Lines<W, F> {
    fn record(&mut self, t: SimTime, r: &TraceRecord) -> Result<(), String> {
        if let Some(l) = (self.line)(t, r) {
            self.any = true;
            writeln!(self.out, "{l}").map_err(write_err)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), String> {
        if !self.any {
            writeln!(self.out).map_err(write_err)?;
        }
        self.out.flush().map_err(write_err)
    }
}

/// The tcpdump lines; the state is each TCP flow direction's initial sequence number.
pub fn tcpdump<W: Write>(
    out: W,
    at: Option<CapturePoint>,
) -> Lines<W, impl FnMut(SimTime, &TraceRecord) -> Option<String>> {
    let mut fmt = Tcpdump::default();
    Lines::new(out, move |t, r| fmt.line(t, r, at.as_ref()))
}

/// The `nft monitor trace` lines.
pub fn nft<W: Write>(out: W) -> Lines<W, impl FnMut(SimTime, &TraceRecord) -> Option<String>> {
    Lines::new(out, |_, r| nft::line(r))
}

/// JSON Lines: every record, no state.
pub struct Jsonl<W: Write>(pub W);

impl<W: Write> Sink for Jsonl<W> {
    fn record(&mut self, t: SimTime, r: &TraceRecord) -> Result<(), String> {
        writeln!(self.0, "{}", jsonl::record(t, r)).map_err(write_err)
    }

    fn finish(&mut self) -> Result<(), String> {
        self.0.flush().map_err(write_err)
    }
}

/// The narration: its state is per packet still in existence, and the text after a header
/// whose packet has not been captured yet (see [`Narrator`]).
pub struct Explain<W: Write> {
    out: W,
    story: Narrator,
    text: String,
}

impl<W: Write> Explain<W> {
    pub fn new(out: W) -> Self {
        Explain {
            out,
            story: Narrator::default(),
            text: String::new(),
        }
    }

    fn flush_text(&mut self) -> Result<(), String> {
        self.out
            .write_all(self.text.as_bytes())
            .map_err(write_err)?;
        self.text.clear();
        Ok(())
    }
}

impl<W: Write> Sink for Explain<W> {
    fn record(&mut self, t: SimTime, r: &TraceRecord) -> Result<(), String> {
        self.story.push(t, r, &mut self.text);
        self.flush_text()
    }

    fn retire(&mut self, live: &HashSet<PacketId>) -> Result<(), String> {
        self.story.retire(
            |p| PacketId::new(p).is_some_and(|p| live.contains(&p)),
            &mut self.text,
        );
        self.flush_text()
    }

    fn finish(&mut self) -> Result<(), String> {
        let story = std::mem::take(&mut self.story);
        story.finish(&mut self.text);
        self.flush_text()?;
        self.out.flush().map_err(write_err)
    }
}

/// The frames captured at one interface, as a pcap. No state.
pub struct Pcap<W: Write> {
    out: Option<PcapStream<W>>,
    at: CapturePoint,
    /// Frames written, once finished.
    pub written: usize,
}

impl<W: Write> Pcap<W> {
    pub fn new(out: W, at: CapturePoint) -> Result<Self, String> {
        let out = PcapStream::new(out).map_err(|e| e.to_string())?;
        Ok(Pcap {
            out: Some(out),
            at,
            written: 0,
        })
    }
}

impl<W: Write> Sink for Pcap<W> {
    fn record(&mut self, t: SimTime, r: &TraceRecord) -> Result<(), String> {
        match &r.event {
            TraceEvent::Capture {
                ns, iface, frame, ..
            } if self.at.is(ns, iface) => {
                let out = self.out.as_mut().expect("not finished");
                out.write(t, frame).map_err(|e| e.to_string())
            }
            _ => Ok(()),
        }
    }

    fn finish(&mut self) -> Result<(), String> {
        let out = self.out.take().expect("finished once");
        self.written = out.written();
        out.finish().map_err(|e| e.to_string())
    }
}
