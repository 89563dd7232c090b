//! The people directory, through its port; and a directory made to fail.

use super::Probe;
use app::ssr::ports::Person;

impl Probe {
    /// The person whose verified e-mail is `email`, as the port finds them.
    pub async fn person_by_email(&self, email: &str) -> Option<Person> {
        self.people
            .person_by_verified_email(email)
            .await
            .expect("the people directory reads")
    }

    /// Takes the people directory's table away, so that writing a person
    /// fails (renamed, not dropped: the rest of the schema stays as it was).
    pub async fn lose_the_people_directory(&self) {
        self.change("alter table person rename to person_lost", &[])
            .await;
    }
}
