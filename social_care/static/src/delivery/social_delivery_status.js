/** @odoo-module **/
import { Component } from "@odoo/owl";
import { Message } from "@mail/core/common/message";
import { useService } from "@web/core/utils/hooks";

const ICONS = {
  to_approve: "fa-hourglass-half text-warning",
  queued: "fa-clock-o text-info",
  sending: "fa-paper-plane text-info",
  sent: "fa-check text-success",
  failed: "fa-exclamation-triangle text-danger",
  rejected: "fa-ban text-danger",
};

/** Under an agent's social reply: its delivery state, kept current by the bus. */
export class SocialDeliveryStatus extends Component {
  static template = "social_care.SocialDeliveryStatus";
  static props = ["delivery"];

  setup() {
    this.orm = useService("orm");
  }

  get icon() {
    return ICONS[this.props.delivery.state] || "fa-circle-o";
  }

  async retry() {
    await this.orm.call("social.care.message", "action_retry", [
      [this.props.delivery.id],
    ]);
  }
}

Message.components = { ...Message.components, SocialDeliveryStatus };
