/** @odoo-module **/
import { Chatter } from "@mail/chatter/web_portal/chatter";
import { Composer } from "@mail/core/common/composer";
import { patch } from "@web/core/utils/patch";
import { SocialReplyStatus } from "./social_reply_status";

/** The chatter lends its form record to the composer: what the ticket says about replies. */
patch(Chatter.prototype, {
  get childSubEnv() {
    return { ...super.childSubEnv, socialCareRecord: () => this.props.webRecord };
  },
});

Composer.components = { ...Composer.components, SocialReplyStatus };

patch(Composer.prototype, {
  /** The ticket's form record when this composer sends a message on a social ticket. */
  get socialCareRecord() {
    const record = this.env.socialCareRecord?.();
    if (
      this.props.type !== "message" ||
      !record ||
      record.resModel !== "helpdesk.ticket" ||
      !("social_reply_channel" in record.data) ||
      !record.data.social_account_id ||
      !record.data.social_reply_channel
    ) {
      return null;
    }
    return record;
  },

  /** A reply the platform refused stays editable, so that the agent can fix it. */
  async processMessage(callback) {
    try {
      return await super.processMessage(callback);
    } catch (error) {
      if (this.socialCareRecord) {
        this.state.active = true;
      }
      throw error;
    }
  },
});
