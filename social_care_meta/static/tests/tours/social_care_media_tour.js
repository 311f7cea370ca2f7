/** @odoo-module **/
/*
 * An agent answers a Messenger ticket with a photo: attaches it with the
 * composer's paperclip, sends, and sees the reply queued for Messenger.
 * The data, and the send that follows, are in tests/test_tours_media.py.
 */
import { registry } from "@web/core/registry";
import { inputFiles } from "@web/../tests/utils";

const REPLY_TEXT = "Here is your return label";
// A 1x1 PNG, as the agent's file.
const PNG_1PX =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const COMPOSER = ".o-mail-Chatter .o-mail-Composer";

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
      trigger: `.o-mail-Chatter .o-mail-Message:has(.o-mail-Message-body:contains('${REPLY_TEXT}')) .o-mail-AttachmentImage`,
    },
    {
      content: "Under it, the chatter says it is queued for Messenger",
      trigger: `.o-mail-Chatter .o-mail-Message:has(.o-mail-Message-body:contains('${REPLY_TEXT}')) .o-social-care-delivery[data-state='queued']`,
    },
  ],
});
