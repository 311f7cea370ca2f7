/** @odoo-module **/
import { Component, onWillUnmount, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { formatInteger } from "@web/views/fields/formatters";
import { replyLength } from "@social_care/reply_length";

const { DateTime } = luxon;

// Where a reply goes, by the channel the ticket's reply mode sends it to.
const PLATFORM_OF_CHANNEL = {
  x_public: "X",
  x_dm: "X",
  facebook_comment: "Facebook",
  messenger: "Messenger",
  instagram_comment: "Instagram",
  instagram_dm: "Instagram",
};
// The window countdown is a display of a known deadline: a clock tick, no request.
const CLOCK_TICK_MS = 30000;
// Under this, the window countdown turns into a warning (as the list filter does).
const WINDOW_WARNING_MINUTES = 120;

/**
 * Under the chatter's "Send message" composer of a social ticket: where the
 * reply goes, how many characters are left as the platform counts them, and
 * how long the platform still accepts a reply.
 *
 * Everything comes from the ticket's form record (the chatter's webRecord), so
 * switching the reply mode on the form updates it at once.
 */
export class SocialReplyStatus extends Component {
  static template = "social_care.SocialReplyStatus";
  static props = { composer: Object, record: Object };

  setup() {
    this.clock = useState({ now: DateTime.now() });
    const timer = setInterval(() => (this.clock.now = DateTime.now()), CLOCK_TICK_MS);
    onWillUnmount(() => clearInterval(timer));
  }

  get data() {
    return this.props.record.data;
  }

  get platform() {
    return PLATFORM_OF_CHANNEL[this.data.social_reply_channel] || "";
  }

  get byEmail() {
    return Boolean(this.data.social_reply_by_email);
  }

  /** Nothing can be sent on the social channel: the reply would be refused. */
  get blocked() {
    if (this.byEmail) {
      return false;
    }
    return (
      Boolean(this.data.social_reply_blocked) ||
      (!this.data.social_reply_private && !this.data.social_reply_public_allowed)
    );
  }

  /** What Send does, in words: the channel, or why nothing would go out. */
  get destination() {
    if (this.byEmail) {
      return _t("E-mail to %(email)s", { email: this.data.social_partner_email || "" });
    }
    const platform = this.platform;
    if (!platform) {
      return "";
    }
    if (this.data.social_reply_blocked) {
      return _t("Replies cannot be sent on %(platform)s", { platform });
    }
    if (this.data.social_reply_private) {
      return _t("Private message on %(platform)s", { platform });
    }
    if (!this.data.social_reply_public_allowed) {
      return _t("No public reply possible on %(platform)s: switch to private", {
        platform,
      });
    }
    return _t("Public reply on %(platform)s", { platform });
  }

  get destinationTitle() {
    if (this.byEmail) {
      return _t(
        "The customer gets this reply by e-mail only, not on the social channel."
      );
    }
    if (this.data.social_reply_blocked) {
      return this.data.social_reply_blocked;
    }
    return _t(
      "The customer gets this reply on the social channel only, never by e-mail."
    );
  }

  get emailTitle() {
    return this.data.social_partner_email
      ? _t("Send this reply by e-mail instead of on the social channel")
      : _t("The customer has no e-mail address");
  }

  /** The agent's explicit choice of channel, saved on the ticket (the server decides by it). */
  async setByEmail(value) {
    if (value === this.byEmail) {
      return;
    }
    await this.props.record.update({ social_reply_by_email: value });
    await this.props.record.save();
  }

  get length() {
    // The server counts the plain text of the message, trimmed.
    return replyLength(
      this.props.composer.text.trim(),
      this.data.social_reply_length_unit
    );
  }

  /** The platform's limit; an e-mail has none (0). */
  get maxLength() {
    return this.byEmail ? 0 : this.data.social_reply_max_length;
  }

  /** Negative when over; meaningless without a limit (max length 0). */
  get charactersLeft() {
    return this.maxLength - this.length;
  }

  get isOverLimit() {
    return Boolean(this.maxLength) && this.charactersLeft < 0;
  }

  get lengthText() {
    if (!this.maxLength) {
      return _t("%(count)s characters", { count: formatInteger(this.length) });
    }
    const left = this.charactersLeft;
    if (left < 0) {
      return _t("%(count)s characters over the limit", { count: formatInteger(-left) });
    }
    return _t("%(count)s characters left", { count: formatInteger(left) });
  }

  get lengthTitle() {
    if (this.byEmail) {
      return _t("An e-mail has no length limit.");
    }
    if (!this.maxLength) {
      return _t("The platform sets no length limit known to Odoo.");
    }
    const limit = formatInteger(this.data.social_reply_max_length);
    switch (this.data.social_reply_length_unit) {
      case "weighted":
        return _t(
          "X allows %(limit)s characters; links count 23, most emoji and Asian characters 2.",
          { limit }
        );
      case "bytes":
        return _t(
          "The platform allows %(limit)s bytes; letters outside plain ASCII count 2 to 4.",
          { limit }
        );
      default:
        return _t("The platform allows %(limit)s characters.", { limit });
    }
  }

  get windowText() {
    const deadline = this.data.social_reply_window_deadline;
    if (!deadline || this.byEmail) {
      return "";
    }
    const minutes = Math.floor(deadline.diff(this.clock.now, "minutes").minutes);
    if (minutes < 0) {
      return _t("Window closed");
    }
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    if (days) {
      return _t("%(days)s d %(hours)s h left to reply", { days, hours });
    }
    return _t("%(hours)s h %(minutes)s min left to reply", {
      hours,
      minutes: minutes % 60,
    });
  }

  /** The window closes soon: said before it closes, not only after. */
  get windowClosingSoon() {
    const deadline = this.data.social_reply_window_deadline;
    if (!deadline || this.windowClosed) {
      return false;
    }
    return deadline.diff(this.clock.now, "minutes").minutes < WINDOW_WARNING_MINUTES;
  }

  get windowClass() {
    if (this.windowClosed) {
      return "text-danger fw-bold";
    }
    return this.windowClosingSoon ? "text-warning fw-bold" : "text-muted";
  }

  get windowClosed() {
    const deadline = this.data.social_reply_window_deadline;
    return Boolean(deadline) && deadline < this.clock.now;
  }

  get windowTitle() {
    const deadline = this.data.social_reply_window_deadline;
    if (!deadline) {
      return "";
    }
    const date = deadline.toLocaleString(DateTime.DATETIME_MED);
    return this.windowClosed
      ? _t("The platform stopped accepting replies on %(date)s", { date })
      : _t("The platform accepts replies until %(date)s", { date });
  }
}
