/** @odoo-module **/
/*
 * The composer's reply status says what Send will do (issue 13, item 8): no
 * "Public reply on X" where X allows none, the e-mail choice when made, and a
 * warning before the messaging window closes. The record is the shape of the
 * ticket form's record data the chatter lends to the composer.
 */
import { expect, test } from "@odoo/hoot";
import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import { mountWithCleanup } from "@web/../tests/web_test_helpers";
import { SocialReplyStatus } from "@social_care/composer/social_reply_status";

// The mail services start with the web client's env, and ask for these models.
defineMailModels();

const { DateTime } = luxon;

function ticketData(values) {
  return {
    social_reply_channel: "x_public",
    social_reply_private: false,
    social_reply_public_allowed: true,
    social_reply_max_length: 280,
    social_reply_length_unit: "weighted",
    social_reply_window_deadline: false,
    social_reply_by_email: false,
    social_reply_blocked: false,
    social_partner_email: "giulia@example.com",
    ...values,
  };
}

async function mountStatus(values) {
  await mountWithCleanup(SocialReplyStatus, {
    props: { composer: { text: "" }, record: { data: ticketData(values) } },
  });
}

test("no public reply where the platform allows none", async () => {
  await mountStatus({ social_reply_public_allowed: false });
  expect(".o_social_care_reply_destination").toHaveText(
    "No public reply possible on X: switch to private"
  );
  expect(".o_social_care_reply_destination").toHaveClass("text-bg-danger");
});

test("the e-mail choice says where the reply goes", async () => {
  await mountStatus({
    social_reply_by_email: true,
    social_reply_public_allowed: false,
  });
  expect(".o_social_care_reply_destination").toHaveText("E-mail to giulia@example.com");
  expect(".o_social_care_reply_destination").toHaveAttribute("data-channel", "email");
  expect(".o_social_care_via_email").toHaveClass("active");
  expect(".o_social_care_window").toHaveCount(0);
});

test("a window closing within 2 h is a warning, before it closes", async () => {
  await mountStatus({
    social_reply_channel: "x_dm",
    social_reply_private: true,
    social_reply_window_deadline: DateTime.now().plus({ minutes: 90 }),
  });
  expect(".o_social_care_window").toHaveAttribute("data-closing-soon", "1");
  expect(".o_social_care_window").toHaveClass("text-warning");
});

test("no e-mail choice without the customer's address", async () => {
  await mountStatus({ social_partner_email: false });
  expect(".o_social_care_via_email").toHaveAttribute("disabled");
  expect(".o_social_care_reply_destination").toHaveText("Public reply on X");
});
