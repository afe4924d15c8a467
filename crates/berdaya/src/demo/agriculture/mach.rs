//! The demo's machinery (alsintan): the hand tractors, cultivator and water pumps of BPP
//! Kalampangan and of the Dinas, a hand tractor lent to a dragon-fruit group and returned with
//! its usage, another loan returned with damage and repaired, and a water pump still out past
//! its due date (overdue). Fixed data: the same every load.

use berdaya_domain::agriculture::machine::{
    CheckOut, LoanStatus, MachineCondition, MachineKind, MaintenanceKind, NewLoan, NewMachine, NewMaintenance, Return,
};
use berdaya_domain::registry::{Id, RegionCode};
use berdaya_store::Store;
use time::Date;
use time::macros::date;

use super::Agri;

pub(super) async fn load(store: &dyn Store, agri: &Agri) -> anyhow::Result<()> {
    let (dinas, bpp) = (agri.dinas.id, agri.bpp.id);
    let (bpp_region, dinas_region) = (&agri.bpp.region, &agri.dinas.region);
    let program = Some(agri.program.id);
    let (first, second) = match agri.groups.as_slice() {
        [a, b, ..] => (a.id, b.id),
        _ => anyhow::bail!("the demo's machinery needs two dragon-fruit groups"),
    };
    // The BPP's extension worker hands the machines over.
    let worker = agri.extension_workers.first().map_or("Penyuluh BPP Kalampangan", |s| s.name.as_str());
    let machine =
        |agency_id: Id, region: &RegionCode, kind, name: &str, no: &str, acquired: Date, place: &str| NewMachine {
            agency_id,
            kind,
            name: name.into(),
            inventory_no: no.into(),
            region: region.clone(),
            place: Some(place.into()),
            condition: MachineCondition::Good,
            acquired_on: Some(acquired),
            note: None,
        };
    let gudang = "Gudang alsintan BPP Kalampangan";
    let tractor = store
        .create_machine(&machine(
            bpp,
            bpp_region,
            MachineKind::HandTractor,
            "Traktor roda dua Quick G1000 Boxer",
            "BPP-KLP/ALS/2021/001",
            date!(2021 - 04 - 12),
            gudang,
        ))
        .await?;
    store
        .create_machine(&machine(
            bpp,
            bpp_region,
            MachineKind::Cultivator,
            "Kultivator Kubota TMC 70",
            "BPP-KLP/ALS/2022/002",
            date!(2022 - 03 - 01),
            gudang,
        ))
        .await?;
    let pump = store
        .create_machine(&machine(
            bpp,
            bpp_region,
            MachineKind::WaterPump,
            "Pompa air Honda WB30XT",
            "BPP-KLP/ALS/2022/003",
            date!(2022 - 03 - 01),
            gudang,
        ))
        .await?;
    store
        .create_machine(&machine(
            dinas,
            dinas_region,
            MachineKind::HandTractor,
            "Traktor roda dua Yanmar YZC-L",
            "DPKP-PKY/ALS/2020/014",
            date!(2020 - 08 - 17),
            "Gudang Dinas Pertanian",
        ))
        .await?;
    let mut worn = machine(
        dinas,
        dinas_region,
        MachineKind::WaterPump,
        "Pompa air Robin PTG 310",
        "DPKP-PKY/ALS/2020/022",
        date!(2020 - 08 - 17),
        "Gudang Dinas Pertanian",
    );
    worn.condition = MachineCondition::LightDamage;
    worn.note = Some("Selang hisap retak; masih dapat dipakai".into());
    store.create_machine(&worn).await?;

    // The hand tractor to the first group for land preparation, returned with its usage.
    let lend = |machine_id, group_id, starts_on, due_on, note: &str| NewLoan {
        machine_id,
        group_id,
        program_id: program,
        starts_on,
        due_on,
        note: Some(note.into()),
    };
    let out = |on, by: &str| CheckOut { out_on: on, condition_out: MachineCondition::Good, out_by: by.into() };
    let l = store
        .book_machine(&lend(
            tractor.id,
            first,
            date!(2023 - 02 - 06),
            date!(2023 - 02 - 10),
            "Olah lahan kebun buah naga",
        ))
        .await?;
    let l = store.check_out(l.id, &out(date!(2023 - 02 - 06), worker), l.version).await?;
    store
        .return_loan(
            l.id,
            &Return {
                returned_on: date!(2023 - 02 - 10),
                condition_in: MachineCondition::Good,
                usage_minutes: Some(14 * 60),
                usage_m2: Some(5_000),
                damage_note: None,
            },
            l.version,
        )
        .await?;

    // Then to the second group: back with a loose chain, repaired at the BPP's cost.
    let l = store
        .book_machine(&lend(tractor.id, second, date!(2023 - 03 - 06), date!(2023 - 03 - 09), "Pembuatan bedengan"))
        .await?;
    let l = store.check_out(l.id, &out(date!(2023 - 03 - 06), worker), l.version).await?;
    store
        .return_loan(
            l.id,
            &Return {
                returned_on: date!(2023 - 03 - 09),
                condition_in: MachineCondition::LightDamage,
                usage_minutes: Some(9 * 60 + 30),
                usage_m2: Some(3_500),
                damage_note: Some("Rantai roda kiri longgar".into()),
            },
            l.version,
        )
        .await?;
    store
        .add_maintenance(
            tractor.id,
            &NewMaintenance {
                done_on: date!(2023 - 03 - 13),
                kind: MaintenanceKind::Repair,
                description: "Ganti rantai roda kiri dan setel kopling".into(),
                cost_rp: 350_000,
                condition_after: MachineCondition::Good,
            },
        )
        .await?;

    // The water pump to the first group in the dry season: still out past its due date.
    let l = store
        .book_machine(&lend(pump.id, first, date!(2023 - 08 - 14), date!(2023 - 08 - 25), "Penyiraman musim kemarau"))
        .await?;
    let l = store.check_out(l.id, &out(date!(2023 - 08 - 14), worker), l.version).await?;
    debug_assert_eq!(l.status, LoanStatus::Out);
    Ok(())
}
