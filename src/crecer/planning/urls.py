from django.urls import path

from . import evaluation_views as ev
from . import views

app_name = "planning"
urlpatterns = [
    path("", views.index, name="index"),
    # the RIL cycle
    path("cycles/new/", views.cycle_new, name="cycle_new"),
    path("cycles/<uuid:pk>/", views.cycle, name="cycle"),
    path("cycles/<uuid:pk>/stages/<slug:stage>/", views.stage_edit, name="stage_edit"),
    path("cycles/<uuid:pk>/diagnosis/", views.diagnosis, name="diagnosis"),
    path("cycles/<uuid:pk>/results/", views.results, name="results"),
    path("cycles/<uuid:pk>/suggest/", views.suggest, name="suggest"),
    path("cycles/<uuid:pk>/opportunities/", views.opportunities, name="opportunities"),
    path("opportunities/<uuid:pk>/", views.opportunity_edit, name="opportunity_edit"),
    path("cycles/<uuid:pk>/plan/", views.plan, name="plan"),
    path("objectives/<uuid:pk>/metrics/", views.metric_new, name="metric_new"),
    path("objectives/<uuid:pk>/actions/", views.action_new, name="action_new"),
    path("actions/<uuid:pk>/status/", views.action_status, name="action_status"),
    path("cycles/<uuid:pk>/projects/", views.projects, name="projects"),
    path("projects/<uuid:pk>/stage/", views.project_stage, name="project_stage"),
    # evaluation rounds
    path("rounds/", ev.rounds, name="rounds"),
    path("rounds/new/", ev.round_new, name="round_new"),
    path("rounds/template.csv", ev.scores_template, name="scores_template"),
    path("rounds/<uuid:pk>/", ev.round_detail, name="round"),
    path("rounds/<uuid:pk>/scores/", ev.score_new, name="score_new"),
    path("rounds/<uuid:pk>/import/", ev.scores_import, name="scores_import"),
    path("rounds/<uuid:pk>/findings/", ev.finding_new, name="finding_new"),
    path("rounds/<uuid:pk>/publish/", ev.round_publish, name="round_publish"),
    path("findings/<uuid:pk>/download/", ev.finding_download, name="finding_download"),
    # risk register
    path("risks/", ev.risk_list, name="risks"),
    path("risks/new/", ev.risk_new, name="risk_new"),
    path("risks/<uuid:pk>/", ev.risk_edit, name="risk_edit"),
]
