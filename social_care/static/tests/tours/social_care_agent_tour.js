/** @odoo-module **/
/*
 * An agent answers a social ticket: reads the conversation, replies publicly
 * from the chatter while the composer counts the characters, answers with a
 * canned response (":shortcut"), moves the conversation to private, switches
 * the reply mode back and forth, answers once by e-mail (an explicit choice in
 * the composer), and checks the channel and delivery state of the replies;
 * then the send cron runs and, without a reload, the agent sees the first
 * reply marked sent (pushed on the bus). The data, and the test-only hook that
 * runs the send, come from social_care/tests/test_tours.py.
 */
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const CUSTOMER_TEXT = "My parcel never arrived, order SC-1042";
// The link and the full stop after it go out as typed (no "[1]" reference, no space).
const REPLY_TEXT =
  "Sorry about that, we are checking with the courier: https://example.com/track/SC-1042.";
const TICKET_ROW = `.o_data_row:contains('${CUSTOMER_TEXT}')`;
const CANNED_SHORTCUT = "sc_thanks";
const CANNED_TEXT =
  "Thanks for reaching out! We are looking into it and will get back to you shortly.";
const STATUS = ".o-mail-Chatter .o-mail-Composer .o_social_care_reply_status";
const REPLY_MODE_TOGGLE = ".o_field_widget[name='social_reply_private'] input";
const CUSTOMER_EMAIL = "maria.verdi@example.com";
const EMAIL_TEXT = "As you asked, the invoice follows by e-mail.";
const messageOf = (text) =>
  `.o-mail-Chatter .o-mail-Message:has(.o-mail-Message-body:contains('${text}'))`;

registry.category("web_tour.tours").add("social_care_agent_tour", {
  url: "/odoo",
  steps: () => [
    stepUtils.showAppsMenuItem(),
    {
      content: "Open the Helpdesk app",
      trigger: ".o_app[data-menu-xmlid='helpdesk_mgmt.helpdesk_ticket_main_menu']",
      run: "click",
    },
    {
      content: "Open the Social Care menu",
      trigger: ".o_main_navbar [data-menu-xmlid='social_care.menu_social_care_root']",
      run: "click",
    },
    {
      content: "Open the social tickets",
      trigger: "[data-menu-xmlid='social_care.menu_social_care_tickets']",
      run: "click",
    },
    {
      content: "Tickets are grouped by channel: open the Facebook group",
      trigger: ".o_list_view .o_group_header:contains('Facebook')",
      run: "click",
    },
    {
      content: "Open the customer's ticket",
      trigger: `${TICKET_ROW} .o_data_cell[name='name']`,
      run: "click",
    },
    {
      content: "The banner says where replies go: a public reply on Facebook",
      trigger: ".o_form_view .alert-info:contains('go out as a public reply')",
    },
    {
      content: "The customer's message is in the chatter",
      trigger: `.o-mail-Chatter .o-mail-Message-body:contains('${CUSTOMER_TEXT}')`,
    },
    {
      content: "Open the chatter's Send message composer",
      trigger: ".o-mail-Chatter-topbar button.o-mail-Chatter-sendMessage",
      run: "click",
    },
    {
      content: "The composer says where the reply goes",
      trigger: `${STATUS} .o_social_care_reply_destination:contains('Public reply on Facebook')`,
    },
    {
      content: "To: the customer on the social channel only, not an e-mail recipient",
      trigger:
        ".o-mail-Chatter .o_social_care_reply_to:contains('Maria Verdi, on Facebook only'):not(:has(input[type='checkbox']))",
    },
    {
      content: "The channel choice is the platform's",
      trigger: `${STATUS} .o_social_care_via_platform.active:contains('Facebook')`,
    },
    {
      content: "Nothing written yet: the counter says 0",
      trigger: `${STATUS} .o_social_care_length[data-length='0']:contains('0 characters')`,
    },
    {
      content: "Write the public reply",
      trigger: ".o-mail-Chatter .o-mail-Composer-input",
      run: `edit ${REPLY_TEXT}`,
    },
    {
      content: "The counter follows the text",
      trigger: `${STATUS} .o_social_care_length[data-length='${REPLY_TEXT.length}']:contains('${REPLY_TEXT.length} characters')`,
    },
    {
      content: "Send it",
      trigger: ".o-mail-Chatter .o-mail-Composer-send:enabled",
      run: "click",
    },
    {
      content: "The reply is in the conversation, saying it went to Facebook",
      trigger: `${messageOf(
        REPLY_TEXT
      )} .o_social_care_sent_via[data-channel='facebook_comment']`,
    },
    {
      content: "Under the reply, the chatter says it is queued for the platform",
      trigger: `.o-mail-Chatter .o-mail-Message:has(.o-mail-Message-body:contains('${REPLY_TEXT}')) .o-social-care-delivery[data-state='queued']:contains('Queued')`,
    },
    {
      content: "Open the composer again",
      trigger: ".o-mail-Chatter-topbar button.o-mail-Chatter-sendMessage:not(.active)",
      run: "click",
    },
    {
      content: "Type the canned response's shortcut",
      trigger: ".o-mail-Chatter .o-mail-Composer-input",
      run: `edit :${CANNED_SHORTCUT}`,
    },
    {
      content: "Pick the canned response",
      trigger: `.o-mail-Composer-suggestion:contains('${CANNED_SHORTCUT}')`,
      run: "click",
    },
    {
      content: "The canned text replaces the shortcut, and is counted",
      trigger: `${STATUS} .o_social_care_length[data-length='${CANNED_TEXT.length}']`,
      run() {
        const input = document.querySelector(".o-mail-Chatter .o-mail-Composer-input");
        if (input.value.trim() !== CANNED_TEXT) {
          throw new Error(
            `The composer holds "${input.value}", not the canned response.`
          );
        }
      },
    },
    {
      content: "Send the canned response",
      trigger: ".o-mail-Chatter .o-mail-Composer-send:enabled",
      run: "click",
    },
    {
      content: "The canned response is in the conversation",
      trigger: `.o-mail-Chatter .o-mail-Message-body:contains('${CANNED_TEXT}')`,
    },
    {
      content: "Move the conversation to private messages",
      trigger: ".o_form_statusbar button[name='action_move_to_private']",
      run: "click",
    },
    {
      content: "The public move-to-private reply is posted",
      trigger:
        ".o-mail-Chatter .o-mail-Message-body:contains('We have sent you a private message')",
    },
    {
      content: "From now on, replies go out privately",
      trigger: ".o_form_view .alert-info:contains('go out as a private message')",
    },
    {
      content: "Open the composer: it now writes a private message",
      trigger: ".o-mail-Chatter-topbar button.o-mail-Chatter-sendMessage:not(.active)",
      run: "click",
    },
    {
      content: "The composer says so",
      trigger: `${STATUS} .o_social_care_reply_destination:contains('Private message on Messenger')`,
    },
    {
      content: "Switch the reply mode back to public on the form",
      trigger: REPLY_MODE_TOGGLE,
      run: "click",
    },
    {
      content: "The composer follows the switch",
      trigger: `${STATUS} .o_social_care_reply_destination:contains('Public reply on Facebook')`,
    },
    {
      content: "Switch to private again",
      trigger: REPLY_MODE_TOGGLE,
      run: "click",
    },
    {
      content: "The composer follows again",
      trigger: `${STATUS} .o_social_care_reply_destination:contains('Private message on Messenger')`,
    },
    {
      content: "The customer asked for e-mail: choose it in the composer",
      trigger: `${STATUS} .o_social_care_via_email:enabled`,
      run: "click",
    },
    {
      content: "The composer says the reply goes by e-mail, and to whom",
      trigger: `${STATUS} .o_social_care_reply_destination[data-channel='email']:contains('E-mail to ${CUSTOMER_EMAIL}')`,
    },
    {
      content: "So does the To: line",
      trigger:
        ".o-mail-Chatter .o_social_care_reply_to:contains('Maria Verdi, by e-mail only')",
    },
    {
      content: "Write the e-mail reply",
      trigger: ".o-mail-Chatter .o-mail-Composer-input",
      run: `edit ${EMAIL_TEXT}`,
    },
    {
      content: "Send it",
      trigger: ".o-mail-Chatter .o-mail-Composer-send:enabled",
      run: "click",
    },
    {
      content: "The chatter shows it went by e-mail",
      trigger: `${messageOf(EMAIL_TEXT)} .o_social_care_sent_via[data-channel='email']`,
    },
    {
      content: "Open the composer again",
      trigger: ".o-mail-Chatter-topbar button.o-mail-Chatter-sendMessage:not(.active)",
      run: "click",
    },
    {
      content: "Back to the social channel",
      trigger: `${STATUS} .o_social_care_via_platform`,
      run: "click",
    },
    {
      content: "The composer writes a private message again",
      trigger: `${STATUS} .o_social_care_reply_destination:contains('Private message on Messenger')`,
    },
    {
      content: "Switch the composer to a log note",
      trigger: ".o-mail-Chatter-topbar button.o-mail-Chatter-logNote",
      run: "click",
    },
    {
      content: "A log note goes nowhere: no reply status",
      trigger:
        ".o-mail-Chatter .o-mail-Composer:has(.o-mail-Composer-input):not(:has(.o_social_care_reply_status))",
    },
    {
      content: "Open the Social tab",
      trigger: ".o_notebook .nav-link[name='social']",
      run: "click",
    },
    {
      content: "The reply's delivery state is shown",
      trigger: `.o_field_widget[name='social_message_ids'] .o_data_row:contains('${REPLY_TEXT}') .badge:contains('Queued'), .o_field_widget[name='social_message_ids'] .o_data_row:contains('${REPLY_TEXT}') .badge:contains('Sent')`,
    },
    {
      content: "So is the move-to-private reply's",
      trigger:
        ".o_field_widget[name='social_message_ids'] .o_data_row:contains('We have sent you a private message') .badge:contains('Queued')",
    },
    {
      content: "The first reply is still queued in the chatter",
      trigger: `${messageOf(REPLY_TEXT)} .o-social-care-delivery[data-state='queued']`,
      async run() {
        // Survives only if the page is not reloaded.
        window.socialCareAgentTourPage = true;
        // The send cron runs now, in the server (a hook of the Python test).
        await rpc(
          "/web/dataset/call_kw/social.care.message/social_care_test_send_now",
          {
            model: "social.care.message",
            method: "social_care_test_send_now",
            args: [],
            kwargs: {},
          }
        );
      },
    },
    {
      content: "The bus brings the new state: the reply is sent",
      trigger: `${messageOf(
        REPLY_TEXT
      )} .o-social-care-delivery[data-state='sent']:contains('Sent')`,
      run() {
        if (!window.socialCareAgentTourPage) {
          throw new Error("The page was reloaded to show the sent state.");
        }
      },
    },
  ],
});
