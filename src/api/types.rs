//! Exact amounts and scores in JSON: always strings with two decimals out; in, strings only, with
//! every problem reported against its field instead of failing the whole body.

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde_json::Value;

use crate::domain::money::Money;
use crate::domain::points::Points;
use crate::error::FieldError;

const AMOUNT_PATTERN: &str = r"^[0-9]+(\.[0-9]{1,2})?$";

fn decimal_schema(description: &'static str) -> MetaSchemaRef {
    let mut schema = MetaSchema::new_with_format("string", "decimal");
    schema.pattern = Some(AMOUNT_PATTERN.to_string());
    schema.description = Some(description);
    MetaSchemaRef::Inline(Box::new(schema))
}

macro_rules! string_type {
    ($t:ty, $name:literal, $description:literal, $parse:expr) => {
        impl Type for $t {
            const IS_REQUIRED: bool = true;
            type RawValueType = Self;
            type RawElementValueType = Self;

            fn name() -> Cow<'static, str> {
                $name.into()
            }

            fn schema_ref() -> MetaSchemaRef {
                decimal_schema($description)
            }

            fn as_raw_value(&self) -> Option<&Self::RawValueType> {
                Some(self)
            }

            fn raw_element_iter<'a>(
                &'a self,
            ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
                Box::new(self.as_raw_value().into_iter())
            }
        }

        impl ToJSON for $t {
            fn to_json(&self) -> Option<Value> {
                Some(Value::String(self.to_string()))
            }
        }

        impl ParseFromJSON for $t {
            fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
                match value {
                    Some(Value::String(s)) => {
                        $parse(&s).map_err(|e| ParseError::custom(e.to_string()))
                    }
                    Some(other) => Err(ParseError::custom(format!(
                        "expected a string with two decimals, like \"1027020.00\", got {other}"
                    ))),
                    None => Err(ParseError::expected_input()),
                }
            }
        }
    };
}

string_type!(
    Money,
    "money",
    "An amount in euros: a string with two decimals, e.g. \"1027020.00\".",
    Money::parse
);
string_type!(
    Points,
    "points",
    "Points: a string with two decimals, e.g. \"83.33\".",
    Points::parse
);

/// An amount or score as the client sent it. It parses any JSON value so that a wrong one is
/// reported against its field (422, with every other problem) rather than failing the body.
#[derive(Debug, Clone)]
pub struct DecimalInput(Value);

impl DecimalInput {
    pub fn from_text(s: &str) -> DecimalInput {
        DecimalInput(Value::String(s.to_string()))
    }

    fn text(&self, field: &str, errors: &mut Vec<FieldError>) -> Option<&str> {
        match &self.0 {
            Value::String(s) => Some(s),
            other => {
                errors.push(FieldError::new(
                    field,
                    format!(
                        "write amounts and scores as JSON strings, like \"1027020.00\", not {other}"
                    ),
                ));
                None
            }
        }
    }

    /// The amount, or `None` with the reason added to `errors`.
    pub fn money(&self, field: &str, errors: &mut Vec<FieldError>) -> Option<Money> {
        let s = self.text(field, errors)?;
        Money::parse(s).map_err(|e| errors.push(FieldError::new(field, e.to_string()))).ok()
    }

    pub fn points(&self, field: &str, errors: &mut Vec<FieldError>) -> Option<Points> {
        let s = self.text(field, errors)?;
        Points::parse(s).map_err(|e| errors.push(FieldError::new(field, e.to_string()))).ok()
    }
}

impl Type for DecimalInput {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "decimal_input".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        decimal_schema(
            "An exact decimal as a string with at most two decimals, e.g. \"4000000.00\" or \"50\".",
        )
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for DecimalInput {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::Null) | None => Err(ParseError::expected_input()),
            Some(v) => Ok(DecimalInput(v)),
        }
    }
}

impl ToJSON for DecimalInput {
    fn to_json(&self) -> Option<Value> {
        Some(self.0.clone())
    }
}

const SIGNED_PATTERN: &str = r"^-?[0-9]+\.[0-9]{2}$";

/// Points that may be below zero (a deviation from the others' mean): a string with a sign when
/// negative and two decimals, e.g. `"-1.14"`. Answers only.
#[derive(Debug, Clone)]
pub struct SignedPoints(pub Points);

impl Type for SignedPoints {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "signed_points".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let mut schema = MetaSchema::new_with_format("string", "decimal");
        schema.pattern = Some(SIGNED_PATTERN.to_string());
        schema.description =
            Some("Points that may be negative: a string with two decimals, e.g. \"-1.14\".");
        MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ToJSON for SignedPoints {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.to_two_decimals()))
    }
}

impl ParseFromJSON for SignedPoints {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(s)) => match s.strip_prefix('-') {
                Some(abs) => Points::parse(abs)
                    .map(|p| SignedPoints(Points::from_decimal(-p.as_decimal())))
                    .map_err(|e| ParseError::custom(e.to_string())),
                None => Points::parse(&s)
                    .map(SignedPoints)
                    .map_err(|e| ParseError::custom(e.to_string())),
            },
            _ => Err(ParseError::custom("expected a string with two decimals, like \"-1.14\"")),
        }
    }
}

/// An amount that may be below zero (a settlement's balance to reclaim): a string with a sign when
/// negative and two decimals, e.g. `"-400000.00"`. Answers only.
#[derive(Debug, Clone)]
pub struct SignedMoney(pub Money);

impl Type for SignedMoney {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "signed_money".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let mut schema = MetaSchema::new_with_format("string", "decimal");
        schema.pattern = Some(SIGNED_PATTERN.to_string());
        schema.description = Some(
            "An amount in euros that may be negative: a string with two decimals, e.g. \
             \"-400000.00\".",
        );
        MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ToJSON for SignedMoney {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.to_string()))
    }
}

impl ParseFromJSON for SignedMoney {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(s)) => {
                let (negative, abs) = match s.strip_prefix('-') {
                    Some(abs) => (true, abs),
                    None => (false, s.as_str()),
                };
                let m = Money::parse(abs).map_err(|e| ParseError::custom(e.to_string()))?;
                let value = if negative { -m.as_decimal() } else { m.as_decimal() };
                Money::from_decimal(value)
                    .map(SignedMoney)
                    .map_err(|e| ParseError::custom(e.to_string()))
            }
            _ => Err(ParseError::custom("expected a string with two decimals, like \"-1.00\"")),
        }
    }
}
