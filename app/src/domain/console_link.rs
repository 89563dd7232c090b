//! Where a person opens a review's workflow execution: the Step Functions
//! console of the execution's own region, from a template the platform can
//! change for other partitions (`--execution-console-url`).

/// The AWS console in the commercial partition.
pub const DEFAULT_TEMPLATE: &str =
    "https://{region}.console.aws.amazon.com/states/home?region={region}#/v2/executions/details/{arn}";

/// The template with `{region}` and `{arn}` filled in from `execution_arn`
/// (`arn:<partition>:states:<region>:<account>:execution:<machine>:<name>`);
/// `None` for an ARN that names no region, or a blank template (no link).
pub fn execution_url(template: &str, execution_arn: &str) -> Option<String> {
    if template.trim().is_empty() {
        return None;
    }
    let mut fields = execution_arn.split(':');
    let region = match (fields.next(), fields.next(), fields.next(), fields.next()) {
        (Some("arn"), Some(_), Some("states"), Some(region)) if is_region(region) => region,
        _ => return None,
    };
    Some(
        template
            .replace("{region}", region)
            .replace("{arn}", execution_arn),
    )
}

/// `us-east-1`, `cn-north-1`, `us-gov-west-1`: letters, digits and dashes.
fn is_region(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:states:eu-west-1:123456789012:execution:model-release:run-1";

    #[test]
    fn the_link_is_the_console_of_the_executions_region() {
        assert_eq!(
            execution_url(DEFAULT_TEMPLATE, ARN).as_deref(),
            Some("https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1:123456789012:execution:model-release:run-1")
        );
        let china = "https://{region}.console.amazonaws.cn/states/home?region={region}#/v2/executions/details/{arn}";
        let arn = "arn:aws-cn:states:cn-north-1:1:execution:m:r";
        assert!(execution_url(china, arn)
            .unwrap()
            .starts_with("https://cn-north-1.console.amazonaws.cn/"));
    }

    #[test]
    fn no_link_without_a_region_or_a_template() {
        assert_eq!(execution_url(DEFAULT_TEMPLATE, "run-1"), None);
        assert_eq!(
            execution_url(DEFAULT_TEMPLATE, "arn:aws:states::1:execution:m:r"),
            None
        );
        assert_eq!(
            execution_url(DEFAULT_TEMPLATE, "arn:aws:states:<b>:1:execution:m:r"),
            None
        );
        assert_eq!(execution_url("", ARN), None);
    }
}
