from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = "People and teams"

    def ready(self):
        from teams import navigation
        from teams.permissions import may_manage_people

        navigation.register("People", "teams:person_list", may_manage_people, order=80)
