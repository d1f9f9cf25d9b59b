//! The USSD menu session: one decision when the session opens, its actions as numbered
//! options on pages, a confirmation with the price, and the acceptance recorded as a
//! response. Sessions live in memory for the menu's timeout of request time. Every input is
//! answered: a retried request (the same `request_id`) gets the same reply, an input that is
//! not an option gets the page again, an input after the end repeats the end, and nothing is
//! ever accepted twice.

use crate::page::{MORE, PREVIOUS, Page, cut, paginate};
use concord_decide::DecisionRequest;
use concord_hub::{Hub, HubError};
use concord_model::{ActionId, Attributes, ChannelId, CustomerId, DecisionId, Outcome, Timestamp};
use concord_strategy::Menu;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// One input of a session, as a USSD gateway sends it.
#[derive(Debug, Clone)]
pub struct UssdRequest {
    pub session_id: String,
    /// The subscriber (the customer id).
    pub msisdn: CustomerId,
    /// What the subscriber typed last: empty (or the dialled code, `*123#`) opens the menu.
    pub input: String,
    /// The gateway's id of this request: a retry with the same id gets the same reply.
    pub request_id: Option<String>,
    pub time: Timestamp,
}

/// What the gateway shows, and whether the session ends with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UssdReply {
    pub text: String,
    pub end: bool,
    /// What the input did (for metrics).
    pub step: Step,
}

/// What one input did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Opened a session: a decision and its first page.
    Opened,
    /// Opened, but nothing to show: the session ends.
    Empty,
    /// Another page.
    Paged,
    /// The confirmation of an option.
    Confirm,
    /// An acceptance, recorded as a response.
    Accepted,
    /// Not an option: the page again.
    Invalid,
    /// Over: the session ended or expired (the same end again).
    Ended,
    /// A retried request: the reply it got before.
    Retried,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Opened => "opened",
            Step::Empty => "empty",
            Step::Paged => "paged",
            Step::Confirm => "confirm",
            Step::Accepted => "accepted",
            Step::Invalid => "invalid",
            Step::Ended => "ended",
            Step::Retried => "retried",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UssdError {
    #[error("the strategy has no menu channel (channels.yaml: a channel with `menu`)")]
    NoMenuChannel,
    #[error("session {session} belongs to another subscriber")]
    OtherSubscriber { session: String },
    #[error(transparent)]
    Hub(#[from] HubError),
}

/// An option of the menu: the action, its text, its price.
#[derive(Debug, Clone)]
struct Item {
    action: ActionId,
    label: String,
    price: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// Showing a page.
    Menu(usize),
    /// Asking to confirm an item (and the page to go back to).
    Confirm { item: usize, page: usize },
    /// Accepted: the session is over.
    Done,
}

#[derive(Debug)]
struct Session {
    customer: CustomerId,
    decision: DecisionId,
    items: Vec<Item>,
    pages: Vec<Page>,
    at: At,
    expires_ms: i64,
    last: Option<(String, UssdReply)>,
}

/// Every open session of the menu channel.
#[derive(Debug)]
pub struct UssdSessions {
    hub: Arc<Hub>,
    channel: ChannelId,
    menu: Menu,
    sessions: Mutex<HashMap<String, Session>>,
    requests: AtomicU64,
}

const EXPIRED: &str = "Your session has ended. Dial again to see your offers.";
const INVALID: &str = "Not an option, try again:";
const NOTHING: &str = "Nothing to offer right now. Please try again later.";

impl UssdSessions {
    /// Sessions of the strategy's first channel with a `menu` (channels.yaml).
    pub fn new(hub: Arc<Hub>) -> Result<Self, UssdError> {
        let (channel, menu) = hub
            .strategy()
            .channels()
            .iter()
            .find_map(|c| Some((c.id.clone(), c.menu.clone()?)))
            .ok_or(UssdError::NoMenuChannel)?;
        Ok(Self {
            hub,
            channel,
            menu,
            sessions: Mutex::new(HashMap::new()),
            requests: AtomicU64::new(0),
        })
    }

    pub fn channel(&self) -> &ChannelId {
        &self.channel
    }

    /// Sessions open (not yet expired at the last request).
    pub fn open(&self) -> usize {
        self.sessions.lock().len()
    }

    /// Answers one input of a session.
    pub async fn handle(&self, request: UssdRequest) -> Result<UssdReply, UssdError> {
        let now_ms = request.time.as_millisecond();
        self.purge(now_ms);
        let session = self.sessions.lock().remove(&request.session_id);
        let session = match session {
            Some(s) if s.expires_ms <= now_ms => None,
            other => other,
        };
        if let Some(s) = session {
            // A session of another subscriber, or a retried request: put back as it was.
            let retried = match (&s.last, &request.request_id) {
                (Some((last, reply)), Some(id)) if last == id => Some(reply.clone()),
                _ => None,
            };
            if s.customer != request.msisdn || retried.is_some() {
                let other = s.customer != request.msisdn;
                self.sessions.lock().insert(request.session_id.clone(), s);
                return match retried {
                    Some(reply) if !other => Ok(UssdReply {
                        step: Step::Retried,
                        ..reply
                    }),
                    _ => Err(UssdError::OtherSubscriber {
                        session: request.session_id,
                    }),
                };
            }
            return self.answer(request, Some(s)).await;
        }
        self.answer(request, None).await
    }

    async fn answer(
        &self,
        request: UssdRequest,
        session: Option<Session>,
    ) -> Result<UssdReply, UssdError> {
        let now_ms = request.time.as_millisecond();
        let input = request.input.trim();
        let (session, reply) = match session {
            None if opens(input) => self.open_session(&request).await?,
            None => (
                None,
                UssdReply {
                    text: EXPIRED.to_owned(),
                    end: true,
                    step: Step::Ended,
                },
            ),
            Some(session) => self.step(session, input, request.time).await?,
        };
        if let Some(mut session) = session {
            session.expires_ms = now_ms.saturating_add(self.menu.timeout_ms);
            session.last = request.request_id.clone().map(|id| (id, reply.clone()));
            self.sessions.lock().insert(request.session_id, session);
        }
        Ok(reply)
    }

    /// Drops expired sessions every 1,024 requests.
    fn purge(&self, now_ms: i64) {
        if self
            .requests
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(1024)
        {
            self.sessions.lock().retain(|_, s| s.expires_ms > now_ms);
        }
    }

    async fn open_session(
        &self,
        request: &UssdRequest,
    ) -> Result<(Option<Session>, UssdReply), UssdError> {
        let mut context = Attributes::new();
        context.insert(
            "session_id".to_owned(),
            concord_model::Value::from(request.session_id.as_str()),
        );
        let decision = self
            .hub
            .decide(
                &request.msisdn,
                DecisionRequest {
                    channel: self.channel.clone(),
                    context,
                    limit: None,
                    placement: self.menu.placement.clone(),
                    explain: false,
                },
                request.time,
            )
            .await?;
        let items: Vec<Item> = decision
            .record
            .actions
            .iter()
            .map(|a| Item {
                action: a.action_id.clone(),
                label: a
                    .treatment
                    .clone()
                    .unwrap_or_else(|| a.action_id.to_string()),
                price: a.price,
            })
            .collect();
        if items.is_empty() {
            return Ok((
                None,
                UssdReply {
                    text: fit(NOTHING, self.menu.page_chars),
                    end: true,
                    step: Step::Empty,
                },
            ));
        }
        let labels: Vec<String> = items.iter().map(|i| i.label.clone()).collect();
        let pages = paginate(&self.menu.title, &labels, self.menu.page_chars);
        let reply = UssdReply {
            text: pages[0].text.clone(),
            end: false,
            step: Step::Opened,
        };
        let session = Session {
            customer: request.msisdn.clone(),
            decision: decision.record.decision_id,
            items,
            pages,
            at: At::Menu(0),
            expires_ms: 0,
            last: None,
        };
        Ok((Some(session), reply))
    }

    async fn step(
        &self,
        mut session: Session,
        input: &str,
        time: Timestamp,
    ) -> Result<(Option<Session>, UssdReply), UssdError> {
        let more = |s: &Session, page: usize| UssdReply {
            text: s.pages[page].text.clone(),
            end: false,
            step: Step::Paged,
        };
        let reply = match session.at {
            At::Done => UssdReply {
                text: fit(&self.menu.accepted, self.menu.page_chars),
                end: true,
                step: Step::Ended,
            },
            At::Menu(page) => {
                if input == MORE && page + 1 < session.pages.len() {
                    session.at = At::Menu(page + 1);
                    more(&session, page + 1)
                } else if input == PREVIOUS && page > 0 {
                    session.at = At::Menu(page - 1);
                    more(&session, page - 1)
                } else if let Some(item) = choice(input, session.items.len()) {
                    session.at = At::Confirm { item, page };
                    UssdReply {
                        text: self.confirm(&session.items[item]),
                        end: false,
                        step: Step::Confirm,
                    }
                } else {
                    UssdReply {
                        text: invalid(&session.pages[page].text, self.menu.page_chars),
                        end: false,
                        step: Step::Invalid,
                    }
                }
            }
            At::Confirm { item, page } => match input {
                "1" => {
                    let action = session.items[item].action.clone();
                    self.hub
                        .respond(&session.decision, &action, Outcome::Accepted, time)
                        .await?;
                    session.at = At::Done;
                    UssdReply {
                        text: fit(&self.menu.accepted, self.menu.page_chars),
                        end: true,
                        step: Step::Accepted,
                    }
                }
                "0" => {
                    session.at = At::Menu(page);
                    more(&session, page)
                }
                _ => UssdReply {
                    text: invalid(&self.confirm(&session.items[item]), self.menu.page_chars),
                    end: false,
                    step: Step::Invalid,
                },
            },
        };
        Ok((Some(session), reply))
    }

    /// The confirmation page: the option, its price, accept or back.
    fn confirm(&self, item: &Item) -> String {
        let tail = match item.price {
            Some(price) => format!(
                "\nPrice: {}{}\n1. Accept\n0. Back",
                self.menu.currency,
                amount(price)
            ),
            None => "\n1. Accept\n0. Back".to_owned(),
        };
        let room = self.menu.page_chars.saturating_sub(tail.chars().count());
        let label = if item.label.chars().count() > room {
            cut(&item.label, room)
        } else {
            item.label.clone()
        };
        format!("{label}{tail}")
    }
}

/// Whether an input opens a session: nothing, or the dialled code (`*123#`).
fn opens(input: &str) -> bool {
    input.is_empty() || input.starts_with('*')
}

/// The item an input names (`1`..=`n`).
fn choice(input: &str, n: usize) -> Option<usize> {
    let k: usize = input.parse().ok()?;
    (1..=n).contains(&k).then(|| k - 1)
}

/// `page` prefixed with a short "not an option" line when it still fits.
fn invalid(page: &str, max_chars: usize) -> String {
    let text = format!("{INVALID}\n{page}");
    if text.chars().count() <= max_chars {
        text
    } else {
        page.to_owned()
    }
}

fn fit(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_owned()
    } else {
        text.chars().take(max_chars).collect()
    }
}

/// A price as people write it: `29`, `23.5`, `23.45`.
fn amount(x: f64) -> String {
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}
