/** @odoo-module **/
/*
 * A helpdesk manager reads the response-time report by channel, in the pivot
 * and then in the graph view, grouped by channel.
 */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("social_care_manager_tour", {
  url: "/odoo",
  steps: () => [
    stepUtils.showAppsMenuItem(),
    {
      content: "Open the Helpdesk app",
      trigger: ".o_app[data-menu-xmlid='helpdesk_mgmt.helpdesk_ticket_main_menu']",
      run: "click",
    },
    {
      content: "Open the Reporting menu",
      trigger:
        ".o_main_navbar [data-menu-xmlid='helpdesk_mgmt.helpdesk_ticket_reporting_menu']",
      run: "click",
    },
    {
      content: "Open Response Times by Channel",
      trigger: "[data-menu-xmlid='social_care.menu_social_care_report_response']",
      run: "click",
    },
    {
      content: "The pivot has one row per channel",
      trigger: ".o_pivot .o_pivot_header_cell_closed:contains('Facebook')",
    },
    {
      content: "Switch to the graph view",
      trigger: "button.o_switch_view.o_graph",
      run: "click",
    },
    {
      content: "The graph is drawn",
      trigger: ".o_graph_renderer .o_graph_canvas_container canvas",
    },
    {
      content: "Open the search options",
      trigger: ".o_searchview_dropdown_toggler",
      run: "click",
    },
    {
      content: "Group by channel",
      trigger: ".o_group_by_menu .o_menu_item:contains('Channel')",
      run: "click",
    },
    {
      content: "The channel is a facet of the search",
      trigger: ".o_searchview_facet:contains('Channel')",
    },
    {
      content: "The graph's bars are the channels",
      trigger: ".o_graph_renderer .o_graph_canvas_container canvas",
      run() {
        const canvas = document.querySelector(
          ".o_graph_renderer .o_graph_canvas_container canvas"
        );
        const chart = window.Chart && window.Chart.getChart(canvas);
        const labels = chart ? chart.data.labels.map(String) : [];
        if (!labels.some((label) => label.includes("Facebook"))) {
          throw new Error(
            `The graph should have a Facebook bar; its labels are: ${labels.join(", ")}`
          );
        }
      },
    },
  ],
});
