use super::*;
use crate::netfilter::NatRange;
use serde_json::json;

#[test]
fn rule_hits_serialize_as_the_rule_text_number_and_verdict() {
    let dnat = RuleHit::Matched {
        num: 2,
        text: "-A DOCKER -p tcp -j DNAT".into(),
        action: StepAction::Dnat(NatRange {
            addr: Some(Ipv4Addr::new(172, 17, 0, 2)),
            ports: Some((80, 80)),
        }),
    };
    assert_eq!(
        serde_json::to_value(&dnat).unwrap(),
        json!({"rule": "-A DOCKER -p tcp -j DNAT", "rule_num": 2, "verdict": "DNAT to 172.17.0.2:80"})
    );
    let policy = RuleHit::Policy(Policy::Drop);
    assert_eq!(
        serde_json::to_value(&policy).unwrap(),
        json!({"rule": "policy DROP", "rule_num": 0, "verdict": "DROP"})
    );
    assert_eq!(
        serde_json::to_value(RuleHit::ChainEnd).unwrap(),
        json!({"rule": "", "rule_num": 0, "verdict": "return"})
    );
    assert!(policy.drops() && !dnat.drops());
    assert_eq!(policy.policy(), Some(Policy::Drop));
    assert_eq!(dnat.rule(), Some("-A DOCKER -p tcp -j DNAT"));
}

#[test]
fn vocabularies_print_the_trace_words() {
    assert_eq!(
        serde_json::to_value(CtChange::Destroy).unwrap(),
        json!("destroy")
    );
    assert_eq!(NudState::Incomplete.to_string(), "INCOMPLETE");
    assert_eq!(serde_json::to_value(NatField::Dst).unwrap(), json!("dst"));
    assert_eq!(
        serde_json::to_value(Hook::Postrouting).unwrap(),
        json!("POSTROUTING")
    );
    assert_eq!(
        serde_json::to_value(TableName::Mangle).unwrap(),
        json!("mangle")
    );
    let via = RouteChoice::Out {
        to: Ipv4Addr::new(8, 8, 8, 8),
        via: Some(Ipv4Addr::new(10, 0, 0, 1)),
        dev: "eth0".into(),
    };
    assert_eq!(via.to_string(), "8.8.8.8 via 10.0.0.1 dev eth0");
    assert_eq!(
        serde_json::to_value(RouteChoice::Local).unwrap(),
        json!("local")
    );
}
