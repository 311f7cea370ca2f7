/** @odoo-module **/
import { Chatter } from "@mail/chatter/web_portal/chatter";
import { Composer } from "@mail/core/common/composer";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { SocialReplyStatus } from "./social_reply_status";

/** The chatter lends its form record to the composer: what the ticket says about replies. */
patch(Chatter.prototype, {
  get childSubEnv() {
    return { ...super.childSubEnv, socialCareRecord: () => this.props.webRecord };
  },

  /**
   * The "To:" line of a social ticket's Send message: the one channel the reply
   * goes to, instead of followers or suggested e-mail recipients (the server
   * e-mails only colleagues, or the customer when the agent chose e-mail).
   */
  get socialCareReplyTo() {
    const record = this.props.webRecord;
    if (
      !record ||
      record.resModel !== "helpdesk.ticket" ||
      !("social_reply_channel" in record.data) ||
      !record.data.social_account_id
    ) {
      return "";
    }
    // A many2one is [id, display_name] in the form record.
    const name = record.data.partner_id?.[1] || _t("the customer");
    if (record.data.social_reply_by_email) {
      return _t("%(name)s, by e-mail only (colleagues following are notified)", {
        name,
      });
    }
    const selection = record.fields.social_reply_channel?.selection || [];
    const channel = (selection.find(
      ([value]) => value === record.data.social_reply_channel
    ) || [null, ""])[1];
    return _t("%(name)s, on %(channel)s only (colleagues following are notified)", {
      name,
      channel,
    });
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
