"""The marketplace's workflows: catalogue, qualification, requests and quotes, orders and
deliverables, packages, vouchers, notifications and the operator's figures."""
