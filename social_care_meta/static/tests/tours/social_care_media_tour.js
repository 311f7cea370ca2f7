/** @odoo-module **/
/*
 * An agent answers a Messenger ticket with a photo: attaches it with the
 * composer's paperclip, sends, and sees the reply queued for Messenger; the
 * send cron runs and, without a reload, the agent sees the reply marked sent
 * (pushed on the bus). The data, and the test-only hook that runs the send,
 * are in tests/test_tours_media.py.
 */
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";
import { inputFiles } from "@web/../tests/utils";

const REPLY_TEXT = "Here is your return label";
// A 1x1 PNG, as the agent's file.
const PNG_1PX =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const COMPOSER = ".o-mail-Chatter .o-mail-Composer";
const REPLY = `.o-mail-Chatter .o-mail-Message:has(.o-mail-Message-body:contains('${REPLY_TEXT}'))`;

registry.category("web_tour.tours").add("social_care_media_tour", {
  steps: () => [
    {
      content: "Open the chatter's Send message composer",
      trigger: ".o-mail-Chatter-topbar button.o-mail-Chatter-sendMessage",
      run: "click",
    },
    {
      content: "Write the reply",
      trigger: `${COMPOSER} .o-mail-Composer-input`,
      run: `edit ${REPLY_TEXT}`,
    },
    {
      content: "Attach the label with the composer's paperclip",
      trigger: `${COMPOSER} button[aria-label='Attach files']`,
      async run() {
        const blob = await (await fetch(PNG_1PX)).blob();
        await inputFiles(`${COMPOSER} .o_input_file`, [
          new File([blob], "label.png", { type: "image/png" }),
        ]);
      },
    },
    {
      content: "The image is uploaded",
      trigger: `${COMPOSER} .o-mail-AttachmentImage:not(.o-isUploading)`,
    },
    {
      content: "Send it",
      trigger: `${COMPOSER} .o-mail-Composer-send:enabled`,
      run: "click",
    },
    {
      content: "The reply shows its image",
      trigger: `${REPLY} .o-mail-AttachmentImage`,
    },
    {
      content: "Under it, the chatter says it is queued for Messenger",
      trigger: `${REPLY} .o-social-care-delivery[data-state='queued']`,
      async run() {
        // Survives only if the page is not reloaded.
        window.socialCareMediaTourPage = true;
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
      content: "The bus brings the new state: the reply, with its image, is sent",
      trigger: `${REPLY}:has(.o-mail-AttachmentImage) .o-social-care-delivery[data-state='sent']`,
      run() {
        if (!window.socialCareMediaTourPage) {
          throw new Error("The page was reloaded to show the sent state.");
        }
      },
    },
  ],
});
