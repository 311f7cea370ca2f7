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

  get destination() {
    const platform = PLATFORM_OF_CHANNEL[this.data.social_reply_channel];
    if (!platform) {
      return "";
    }
    return this.data.social_reply_private
      ? _t("Private message on %(platform)s", { platform })
      : _t("Public reply on %(platform)s", { platform });
  }

  get length() {
    // The server counts the plain text of the message, trimmed.
    return replyLength(
      this.props.composer.text.trim(),
      this.data.social_reply_length_unit
    );
  }

  /** Negative when over; meaningless without a limit (max length 0). */
  get charactersLeft() {
    return this.data.social_reply_max_length - this.length;
  }

  get isOverLimit() {
    return Boolean(this.data.social_reply_max_length) && this.charactersLeft < 0;
  }

  get lengthText() {
    if (!this.data.social_reply_max_length) {
      return _t("%(count)s characters", { count: formatInteger(this.length) });
    }
    const left = this.charactersLeft;
    if (left < 0) {
      return _t("%(count)s characters over the limit", { count: formatInteger(-left) });
    }
    return _t("%(count)s characters left", { count: formatInteger(left) });
  }

  get lengthTitle() {
    if (!this.data.social_reply_max_length) {
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
    if (!deadline) {
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
