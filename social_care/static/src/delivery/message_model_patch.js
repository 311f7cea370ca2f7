/** @odoo-module **/
import { Message } from "@mail/core/common/message_model";
import { patch } from "@web/core/utils/patch";

patch(Message.prototype, {
  setup() {
    super.setup(...arguments);
    /** Where an agent's social reply is: {id, state, label, reason, permalink, canRetry}. */
    this.socialDelivery = undefined;
  },
});
