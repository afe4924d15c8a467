//! Individuals: NIK, name, sex, birth date, relation to the household head, education,
//! occupation and disability.

use serde::{Deserialize, Serialize};
use time::Date;

use super::nik::{Nik, NikMismatch};
use super::region::RegionCode;
use super::text::{self, Checker, Invalid};
use super::{Id, Version};
use crate::vocabulary;

vocabulary! {
    Sex {
        Male => "male", "Laki-laki", "Male";
        Female => "female", "Perempuan", "Female";
    }
}

impl Sex {
    /// Also accepts the Indonesian letters L and P used on KK forms.
    pub fn parse_lenient(raw: &str) -> Result<Sex, String> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "L" | "LK" | "LAKI-LAKI" | "M" => Ok(Sex::Male),
            "P" | "PR" | "PEREMPUAN" | "F" => Ok(Sex::Female),
            _ => Sex::parse(raw),
        }
    }
}

vocabulary! {
    /// Relation to the head of household, as on the family card.
    Relation {
        Head => "head", "Kepala Keluarga", "Head of household";
        Spouse => "spouse", "Istri/Suami", "Spouse";
        Child => "child", "Anak", "Child";
        ChildInLaw => "child_in_law", "Menantu", "Child-in-law";
        Grandchild => "grandchild", "Cucu", "Grandchild";
        Parent => "parent", "Orang Tua", "Parent";
        ParentInLaw => "parent_in_law", "Mertua", "Parent-in-law";
        OtherFamily => "other_family", "Famili Lain", "Other relative";
        Other => "other", "Lainnya", "Other";
    }
}

vocabulary! {
    /// Highest education completed.
    Education {
        None => "none", "Tidak/Belum Sekolah", "No schooling";
        Sd => "sd", "SD/Sederajat", "Primary school";
        Smp => "smp", "SMP/Sederajat", "Junior secondary";
        Sma => "sma", "SMA/Sederajat", "Senior secondary";
        Diploma => "diploma", "Diploma I–III", "Diploma";
        Bachelor => "bachelor", "Diploma IV/S1", "Bachelor";
        Master => "master", "S2", "Master";
        Doctorate => "doctorate", "S3", "Doctorate";
    }
}

vocabulary! {
    /// Disability, by the categories of UU 8/2016.
    Disability {
        None => "none", "Tidak ada", "None";
        Physical => "physical", "Disabilitas fisik", "Physical";
        Intellectual => "intellectual", "Disabilitas intelektual", "Intellectual";
        Mental => "mental", "Disabilitas mental", "Mental";
        Sensory => "sensory", "Disabilitas sensorik", "Sensory";
        Multiple => "multiple", "Disabilitas ganda", "Multiple";
    }
}

/// A person as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: Id,
    pub nik: Nik,
    pub household_id: Option<Id>,
    pub name: String,
    pub sex: Sex,
    pub birth_date: Date,
    pub relation: Relation,
    pub education: Education,
    pub occupation: Option<String>,
    pub disability: Disability,
    pub version: Version,
}

impl Person {
    /// How the NIK disagrees with this record, given the household's region.
    pub fn nik_mismatches(&self, region: Option<&RegionCode>) -> Vec<NikMismatch> {
        self.nik.check(self.birth_date, self.sex, region)
    }

    /// Age in whole years on `today`.
    pub fn age_on(&self, today: Date) -> i32 {
        let mut age = today.year() - self.birth_date.year();
        if (u8::from(today.month()), today.day()) < (u8::from(self.birth_date.month()), self.birth_date.day()) {
            age -= 1;
        }
        age
    }
}

/// A validated person, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPerson {
    pub nik: Nik,
    pub household_id: Option<Id>,
    pub name: String,
    pub sex: Sex,
    pub birth_date: Date,
    pub relation: Relation,
    pub education: Education,
    pub occupation: Option<String>,
    pub disability: Disability,
}

/// A person as typed into a form, an API call or an import row.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PersonDraft {
    pub nik: String,
    #[serde(default)]
    pub household_id: Option<String>,
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub relation: String,
    #[serde(default)]
    pub education: String,
    #[serde(default)]
    pub occupation: Option<String>,
    #[serde(default)]
    pub disability: String,
}

impl PersonDraft {
    pub fn parse(&self) -> Result<NewPerson, Invalid> {
        let mut c = Checker::new();
        let nik = c.field("nik", Nik::parse(&self.nik));
        let household_id = match self.household_id.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(s) => c.field("household_id", text::id(s)).map(Some),
        };
        let name = c.field("name", text::text(&self.name, 1, 150));
        let sex = c.field("sex", Sex::parse_lenient(&self.sex));
        let birth_date = c.field("birth_date", text::date(&self.birth_date));
        let relation = c.field("relation", Relation::parse(&self.relation));
        let education = c.field("education", or_default(&self.education, Education::None, Education::parse));
        let occupation = c.field("occupation", text::optional_text(self.occupation.as_deref(), 100));
        let disability = c.field("disability", or_default(&self.disability, Disability::None, Disability::parse));
        c.finish()?;
        match (nik, household_id, name, sex, birth_date, relation, education, occupation, disability) {
            (
                Some(nik),
                Some(household_id),
                Some(name),
                Some(sex),
                Some(birth_date),
                Some(relation),
                Some(education),
                Some(occupation),
                Some(disability),
            ) => {
                Ok(NewPerson { nik, household_id, name, sex, birth_date, relation, education, occupation, disability })
            }
            _ => Err(Invalid::one("person", "incomplete")),
        }
    }
}

impl From<&Person> for PersonDraft {
    fn from(p: &Person) -> Self {
        PersonDraft {
            nik: p.nik.reveal(),
            household_id: p.household_id.map(|h| h.to_string()),
            name: p.name.clone(),
            sex: p.sex.code().into(),
            birth_date: text::format_date(p.birth_date),
            relation: p.relation.code().into(),
            education: p.education.code().into(),
            occupation: p.occupation.clone(),
            disability: p.disability.code().into(),
        }
    }
}

fn or_default<T>(raw: &str, default: T, parse: fn(&str) -> Result<T, String>) -> Result<T, String> {
    if raw.trim().is_empty() { Ok(default) } else { parse(raw) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn draft() -> PersonDraft {
        PersonDraft {
            nik: "3316095203850012".into(),
            name: "Siti Aminah".into(),
            sex: "P".into(),
            birth_date: "1985-03-12".into(),
            relation: "spouse".into(),
            ..Default::default()
        }
    }

    #[test]
    fn parses_with_defaults() {
        let p = draft().parse().unwrap();
        assert_eq!(p.sex, Sex::Female);
        assert_eq!(p.education, Education::None);
        assert_eq!(p.disability, Disability::None);
    }

    #[test]
    fn names_each_bad_field() {
        let mut d = draft();
        d.nik = "123".into();
        d.name = "x".repeat(151);
        d.relation = "cousin".into();
        let fields: Vec<_> = d.parse().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["nik", "name", "relation"]);
    }

    #[test]
    fn age_counts_birthdays() {
        let p = Person {
            id: 1,
            nik: Nik::parse("3316095203850012").unwrap(),
            household_id: None,
            name: "A".into(),
            sex: Sex::Female,
            birth_date: date!(1985 - 03 - 12),
            relation: Relation::Head,
            education: Education::Sd,
            occupation: None,
            disability: Disability::None,
            version: 1,
        };
        assert_eq!(p.age_on(date!(2025 - 03 - 11)), 39);
        assert_eq!(p.age_on(date!(2025 - 03 - 12)), 40);
    }
}
