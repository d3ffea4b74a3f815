use super::*;

#[test]
fn equal_texts_share_one_handle_and_read_back() {
    let a = Name::new("intern-test-eth0");
    let b = Name::from(String::from("intern-test-eth0"));
    let c = Name::new("intern-test-eth1");
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.as_str(), "intern-test-eth0");
    assert_eq!(&*c, "intern-test-eth1");
    assert!(a == "intern-test-eth0" && "intern-test-eth1" == c);
    assert_eq!(Name::default(), "");
}

#[test]
fn prints_serializes_and_orders_as_the_string() {
    let n = Name::new("intern-test-b");
    assert_eq!(n.to_string(), "intern-test-b");
    assert_eq!(format!("{n:?}"), "\"intern-test-b\"");
    assert_eq!(serde_json::to_string(&n).unwrap(), "\"intern-test-b\"");
    let back: Name = serde_json::from_str("\"intern-test-b\"").unwrap();
    assert_eq!(back, n);
    let mut v = [n, Name::new("intern-test-a"), Name::new("intern-test-c")];
    v.sort();
    let s: Vec<&str> = v.iter().map(|n| n.as_str()).collect();
    assert_eq!(s, ["intern-test-a", "intern-test-b", "intern-test-c"]);
}

#[test]
fn handles_cross_chunk_boundaries() {
    // More than the first chunks' 64 + 128 slots: every handle still reads its own text.
    let names: Vec<(String, Name)> = (0..1000)
        .map(|i| format!("intern-test-many-{i}"))
        .map(|s| {
            let n = Name::new(&s);
            (s, n)
        })
        .collect();
    for (s, n) in &names {
        assert_eq!(n.as_str(), s);
        assert_eq!(Name::new(s), *n);
    }
    assert_eq!(place(0), (0, 0));
    assert_eq!(place(63), (0, 63));
    assert_eq!(place(64), (1, 0));
    assert_eq!(place(u32::MAX).0, CHUNKS - 1);
}

#[test]
fn name_lists_intern_by_content() {
    let l = [Name::new("intern-test-p1"), Name::new("intern-test-p2")];
    let a = Interned::<[Name]>::new(&l);
    let b = Interned::<[Name]>::new(l.as_ref());
    assert_eq!(a, b);
    assert_eq!(&*a, &l);
    assert!(<[Name]>::table().heap_bytes() >= size_of_val(&l));
}
