"""The built-in names of common ids, in English; the catalogs translate them (context: the dimension).

Keys are normalised ids (see :func:`cxlens.i18n.labels.normalise`), except the
markers in brackets that cxlens itself writes, such as ``(exit)``. Sources of the
vendors' values: GA4's default channel groups and recommended event names
(support.google.com/analytics, "Default channel group" and "Recommended events"),
Shopify's sales channels and order sources (shopify.dev, Order ``source_name``),
Zendesk's ticket channels (developer.zendesk.com, "Ticket via types"); and the values the
import presets (cxlens.ingest.presets) write: GA4's mediums by channel group, Zendesk's
and Freshdesk's ticket sources, types, statuses and priorities, HubSpot's original sources
and lifecycle stages, Shopify's financial statuses, Stripe's charge and dispute statuses.
"""

from __future__ import annotations

from cxlens.i18n import NP_

TOUCHPOINTS = {
    # the demo's touchpoints
    "ad_impression": NP_("touchpoint", "Ad impression"),
    "search_ad": NP_("touchpoint", "Search ad"),
    "social_post": NP_("touchpoint", "Social media post"),
    "newsletter": NP_("touchpoint", "Newsletter"),
    "website_visit": NP_("touchpoint", "Website visit"),
    "product_page": NP_("touchpoint", "Product page"),
    "cart": NP_("touchpoint", "Shopping cart"),
    "checkout": NP_("touchpoint", "Checkout"),
    "order": NP_("touchpoint", "Order"),
    "store_visit": NP_("touchpoint", "Store visit"),
    "help_center": NP_("touchpoint", "Help centre"),
    "support_chat": NP_("touchpoint", "Support chat"),
    "call_center": NP_("touchpoint", "Call centre"),
    "relationship": NP_("touchpoint", "Overall relationship"),
    "delivery": NP_("touchpoint", "Delivery"),
    "support": NP_("touchpoint", "Customer support"),
    "survey_invitation": NP_("touchpoint", "Survey invitation"),
    "website": NP_("touchpoint", "Website"),
    "app": NP_("touchpoint", "App"),
    "(exit)": NP_("touchpoint", "(exit)"),
    # customers without an answer, in revenue at risk (cxlens.value.risk)
    "(no answer)": NP_("touchpoint", "(no answer)"),
    # GA4 recommended events, often exported as touchpoints
    "page_view": NP_("touchpoint", "Page view"),
    "session_start": NP_("touchpoint", "Session start"),
    "first_visit": NP_("touchpoint", "First visit"),
    "view_item": NP_("touchpoint", "Product viewed"),
    "view_item_list": NP_("touchpoint", "Product list viewed"),
    "add_to_cart": NP_("touchpoint", "Added to cart"),
    "remove_from_cart": NP_("touchpoint", "Removed from cart"),
    "begin_checkout": NP_("touchpoint", "Checkout started"),
    "add_shipping_info": NP_("touchpoint", "Shipping details entered"),
    "add_payment_info": NP_("touchpoint", "Payment details entered"),
    "purchase": NP_("touchpoint", "Purchase"),
    "refund": NP_("touchpoint", "Refund"),
    "sign_up": NP_("touchpoint", "Sign-up"),
    "login": NP_("touchpoint", "Login"),
    "search": NP_("touchpoint", "Site search"),
    "generate_lead": NP_("touchpoint", "Lead form sent"),
    # other common ones
    "homepage": NP_("touchpoint", "Home page"),
    "landing_page": NP_("touchpoint", "Landing page"),
    "app_open": NP_("touchpoint", "App opened"),
    "email_open": NP_("touchpoint", "E-mail opened"),
    "email_click": NP_("touchpoint", "E-mail link clicked"),
    "onboarding": NP_("touchpoint", "Onboarding"),
    "return": NP_("touchpoint", "Return"),
    "review": NP_("touchpoint", "Review"),
    "invoice": NP_("touchpoint", "Invoice"),
}

STAGES = {
    "awareness": NP_("stage", "Awareness"),
    "consideration": NP_("stage", "Consideration"),
    "purchase": NP_("stage", "Purchase"),
    "service": NP_("stage", "Service"),
    "onboarding": NP_("stage", "Onboarding"),
    "usage": NP_("stage", "Use"),
    "retention": NP_("stage", "Retention"),
    "loyalty": NP_("stage", "Loyalty"),
    "advocacy": NP_("stage", "Advocacy"),
    "(surveys)": NP_("stage", "(surveys only)"),
}

CHANNELS = {
    # customers whose acquisition channel is not known (cxlens.marketing.acquisition)
    "(unknown)": NP_("channel", "(unknown)"),
    # the demo's marketing, order and ticket channels
    "search": NP_("channel", "Search"),
    "social": NP_("channel", "Social media"),
    "display": NP_("channel", "Display ads"),
    "email": NP_("channel", "E-mail"),
    "affiliate": NP_("channel", "Affiliates"),
    "direct": NP_("channel", "Direct"),
    "video": NP_("channel", "Video"),
    "service": NP_("channel", "Customer service"),
    "web": NP_("channel", "Website"),
    "app": NP_("channel", "App"),
    "store": NP_("channel", "Store"),
    "phone": NP_("channel", "Phone"),
    "chat": NP_("channel", "Chat"),
    # GA4 default channel groups
    "organic_search": NP_("channel", "Organic search"),
    "paid_search": NP_("channel", "Paid search"),
    "organic_social": NP_("channel", "Organic social"),
    "paid_social": NP_("channel", "Paid social"),
    "organic_video": NP_("channel", "Organic video"),
    "paid_video": NP_("channel", "Paid video"),
    "organic_shopping": NP_("channel", "Organic shopping"),
    "paid_shopping": NP_("channel", "Paid shopping"),
    "paid_other": NP_("channel", "Other paid"),
    "cross_network": NP_("channel", "Cross-network"),
    "referral": NP_("channel", "Referral"),
    "affiliates": NP_("channel", "Affiliates"),
    "audio": NP_("channel", "Audio"),
    "sms": NP_("channel", "SMS"),
    "mobile_push_notifications": NP_("channel", "Mobile push notifications"),
    "unassigned": NP_("channel", "Unassigned"),
    # Shopify sales channels and order sources
    "online_store": NP_("channel", "Online store"),
    "point_of_sale": NP_("channel", "Point of sale"),
    "pos": NP_("channel", "Point of sale"),
    "shopify_draft_order": NP_("channel", "Draft order"),
    "draft_orders": NP_("channel", "Draft order"),
    "shop": NP_("channel", "Shop app"),
    "facebook_instagram": NP_("channel", "Facebook & Instagram"),
    "google_youtube": NP_("channel", "Google & YouTube"),
    "iphone": NP_("channel", "iPhone app"),
    "android": NP_("channel", "Android app"),
    # Zendesk ticket channels
    "voice": NP_("channel", "Phone"),
    "api": NP_("channel", "API"),
    "mobile": NP_("channel", "Mobile app"),
    "mobile_sdk": NP_("channel", "Mobile app"),
    "help_center": NP_("channel", "Help centre"),
    "native_messaging": NP_("channel", "Messaging"),
    "whatsapp": NP_("channel", "WhatsApp"),
    "facebook": NP_("channel", "Facebook"),
    "twitter": NP_("channel", "X (Twitter)"),
    "any_channel": NP_("channel", "Other channel"),
    "mail": NP_("channel", "E-mail"),
    "web_form": NP_("channel", "Web form"),
    "web_widget": NP_("channel", "Web widget"),
    # Freshdesk ticket sources, HubSpot's original sources
    "portal": NP_("channel", "Customer portal"),
    "feedback_widget": NP_("channel", "Feedback widget"),
    "outbound_email": NP_("channel", "Outbound e-mail"),
    "offline": NP_("channel", "Offline"),
    "other": NP_("channel", "Other"),
    # more Zendesk ticket channels ("Via") and Freshdesk ticket sources
    "closed_ticket": NP_("channel", "Follow-up to a closed ticket"),
    "rule": NP_("channel", "Trigger or automation"),
    "answer_bot": NP_("channel", "Answer bot"),
    "sample_ticket": NP_("channel", "Sample ticket"),
    "side_conversation": NP_("channel", "Side conversation"),
    "web_service": NP_("channel", "API"),
    "text": NP_("channel", "SMS"),
    "forum": NP_("channel", "Community forum"),
    "mobihelp": NP_("channel", "Mobile app"),
    "ecommerce": NP_("channel", "Online shop"),
    "bot": NP_("channel", "Chatbot"),
}

SEGMENTS = {
    # the standard RFM map (cxlens.customers.segments)
    "champions": NP_("segment", "Champions"),
    "loyal_customers": NP_("segment", "Loyal Customers"),
    "cant_lose_them": NP_("segment", "Can't Lose Them"),
    "at_risk": NP_("segment", "At Risk"),
    "new_customers": NP_("segment", "New Customers"),
    "promising": NP_("segment", "Promising"),
    "potential_loyalist": NP_("segment", "Potential Loyalist"),
    "need_attention": NP_("segment", "Need Attention"),
    "about_to_sleep": NP_("segment", "About To Sleep"),
    "lost": NP_("segment", "Lost"),
    "hibernating": NP_("segment", "Hibernating"),
    "other": NP_("segment", "Other"),
    "(no orders)": NP_("segment", "(no orders)"),
    "(new)": NP_("segment", "(new)"),
}

MODELS = {
    # attribution models (cxlens.journeys.attribution)
    "first": NP_("model", "First touch"),
    "last": NP_("model", "Last touch"),
    "linear": NP_("model", "Linear"),
    "position": NP_("model", "Position-based"),
    "time_decay": NP_("model", "Time decay"),
    "markov": NP_("model", "Markov chain"),
}

PERIODS = {
    "day": NP_("period", "Day"),
    "week": NP_("period", "Week"),
    "month": NP_("period", "Month"),
    "quarter": NP_("period", "Quarter"),
    "year": NP_("period", "Year"),
}

SENTIMENTS = {
    "negative": NP_("sentiment", "Negative"),
    "neutral": NP_("sentiment", "Neutral"),
    "positive": NP_("sentiment", "Positive"),
}

THEMES = {
    # the keyword themes of cxlens.text.themes
    "delivery": NP_("theme", "Delivery"),
    "price": NP_("theme", "Price"),
    "quality": NP_("theme", "Product quality"),
    "support": NP_("theme", "Customer service"),
    "app": NP_("theme", "App and website"),
    "returns": NP_("theme", "Returns"),
    "billing": NP_("theme", "Billing"),
    "other": NP_("theme", "Other"),
    "(no answer)": NP_("theme", "(no answer)"),
}

CATEGORIES = {
    # ticket categories
    "account": NP_("category", "Account"),
    "billing": NP_("category", "Billing"),
    "delivery": NP_("category", "Delivery"),
    "product": NP_("category", "Product"),
    "returns": NP_("category", "Returns"),
    "payment": NP_("category", "Payment"),
    "technical": NP_("category", "Technical problem"),
    # Zendesk's and Freshdesk's ticket types
    "question": NP_("category", "Question"),
    "incident": NP_("category", "Incident"),
    "problem": NP_("category", "Problem"),
    "task": NP_("category", "Task"),
    "feature_request": NP_("category", "Feature request"),
    "refund": NP_("category", "Refund"),
}

PRIORITIES = {
    "low": NP_("priority", "Low"),
    "normal": NP_("priority", "Normal"),
    "medium": NP_("priority", "Medium"),
    "high": NP_("priority", "High"),
    "urgent": NP_("priority", "Urgent"),
}

KINDS = {
    # kinds of answers and surveys
    "nps": NP_("kind", "NPS"),
    "csat": NP_("kind", "CSAT"),
    "ces": NP_("kind", "CES"),
    "text": NP_("kind", "Comment"),
    "custom": NP_("kind", "Custom"),
}

CASE_STATUSES = {
    "open": NP_("case status", "Open"),
    "in_progress": NP_("case status", "In progress"),
    "closed": NP_("case status", "Closed"),
    # ticket statuses of Zendesk and Freshdesk
    "new": NP_("case status", "New"),
    "pending": NP_("case status", "Pending"),
    "hold": NP_("case status", "On hold"),
    "solved": NP_("case status", "Solved"),
    "resolved": NP_("case status", "Resolved"),
    "on_hold": NP_("case status", "On hold"),
    "waiting_on_customer": NP_("case status", "Waiting on the customer"),
    "waiting_on_third_party": NP_("case status", "Waiting on a third party"),
}

ROOT_CAUSES = {
    # the root causes a case is closed with unless [cases] root_causes lists others
    "product": NP_("root cause", "Product"),
    "delivery": NP_("root cause", "Delivery"),
    "service": NP_("root cause", "Service"),
    "price": NP_("root cause", "Price"),
    "billing": NP_("root cause", "Billing"),
    "other": NP_("root cause", "Other"),
}

PAYMENT_STATUSES = {
    # Shopify's financial statuses and Stripe's charge statuses
    "paid": NP_("payment status", "Paid"),
    "partially_paid": NP_("payment status", "Partially paid"),
    "refunded": NP_("payment status", "Refunded"),
    "partially_refunded": NP_("payment status", "Partially refunded"),
    "pending": NP_("payment status", "Pending"),
    "authorized": NP_("payment status", "Authorised"),
    "voided": NP_("payment status", "Voided"),
    "expired": NP_("payment status", "Expired"),
    "succeeded": NP_("payment status", "Succeeded"),
    "failed": NP_("payment status", "Failed"),
    "canceled": NP_("payment status", "Cancelled"),
    "uncaptured": NP_("payment status", "Not captured"),
    "disputed": NP_("payment status", "Disputed"),
}

DISPUTE_STATUSES = {
    # Stripe's dispute statuses (docs.stripe.com/api/disputes/object, status)
    "warning_needs_response": NP_("dispute status", "Inquiry: response needed"),
    "warning_under_review": NP_("dispute status", "Inquiry under review"),
    "warning_closed": NP_("dispute status", "Inquiry closed"),
    "needs_response": NP_("dispute status", "Response needed"),
    "under_review": NP_("dispute status", "Under review"),
    "won": NP_("dispute status", "Won"),
    "lost": NP_("dispute status", "Lost"),
    "prevented": NP_("dispute status", "Prevented"),
}

LIFECYCLE_STAGES = {
    # HubSpot's lifecycle stages, as labels ("Marketing Qualified Lead") and internal values
    "subscriber": NP_("lifecycle stage", "Subscriber"),
    "lead": NP_("lifecycle stage", "Lead"),
    "marketing_qualified_lead": NP_("lifecycle stage", "Marketing qualified lead"),
    "marketingqualifiedlead": NP_("lifecycle stage", "Marketing qualified lead"),
    "sales_qualified_lead": NP_("lifecycle stage", "Sales qualified lead"),
    "salesqualifiedlead": NP_("lifecycle stage", "Sales qualified lead"),
    "opportunity": NP_("lifecycle stage", "Opportunity"),
    "customer": NP_("lifecycle stage", "Customer"),
    "evangelist": NP_("lifecycle stage", "Evangelist"),
    "other": NP_("lifecycle stage", "Other"),
}

ROLES = {
    "viewer": NP_("role", "Viewer"),
    "analyst": NP_("role", "Analyst"),
    "admin": NP_("role", "Administrator"),
}

#: built-in names per table; the table's name is the catalogs' context
BUILTIN: dict[str, dict[str, str]] = {
    "touchpoint": TOUCHPOINTS,
    "stage": STAGES,
    "channel": CHANNELS,
    "segment": SEGMENTS,
    "model": MODELS,
    "period": PERIODS,
    "sentiment": SENTIMENTS,
    "theme": THEMES,
    "category": CATEGORIES,
    "kind": KINDS,
    "case status": CASE_STATUSES,
    "root cause": ROOT_CAUSES,
    "priority": PRIORITIES,
    "role": ROLES,
    "payment status": PAYMENT_STATUSES,
    "dispute status": DISPUTE_STATUSES,
    "lifecycle stage": LIFECYCLE_STAGES,
}

#: where to look next when a table has no name for a value: a ``status`` column is a
#: case's or ticket's status, or (Stripe's orders) a payment's
FALLBACKS = {"case status": ("payment status",)}

#: columns named from another column's table
ALIASES = {
    "acquisition_channel": "channel",
    "source": "channel",
    "source_name": "channel",
    "via": "channel",
    "comment_language": "language",
    "status": "case status",
    "root_cause": "root cause",
    "financial_status": "payment status",
    "dispute_status": "dispute status",
    "lifecycle_stage": "lifecycle stage",
    "event_name": "touchpoint",
}

#: the names of the dimensions themselves
DIMENSION_NAMES = {
    "country": NP_("dimension", "Country"),
    "language": NP_("dimension", "Language"),
    "channel": NP_("dimension", "Channel"),
    "acquisition_channel": NP_("dimension", "Acquisition channel"),
    "campaign": NP_("dimension", "Campaign"),
    "ad_group": NP_("dimension", "Ad group"),
    "touchpoint": NP_("dimension", "Touchpoint"),
    "stage": NP_("dimension", "Stage"),
    "segment": NP_("dimension", "Segment"),
    "theme": NP_("dimension", "Theme"),
    "sentiment": NP_("dimension", "Sentiment"),
    "category": NP_("dimension", "Category"),
    "kind": NP_("dimension", "Kind"),
    "model": NP_("dimension", "Model"),
    "period": NP_("dimension", "Period"),
    "priority": NP_("dimension", "Priority"),
    "status": NP_("dimension", "Status"),
    "root_cause": NP_("dimension", "Root cause"),
    "financial_status": NP_("dimension", "Payment status"),
    "dispute_status": NP_("dimension", "Dispute status"),
    "lifecycle_stage": NP_("dimension", "Lifecycle stage"),
    "event_name": NP_("dimension", "Event"),
    "group": NP_("dimension", "Group"),
}
