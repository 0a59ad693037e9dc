# The pages join as they are built (issue 16).

urlpatterns: list = []
