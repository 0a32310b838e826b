"""India's GST state codes (the first two digits of a GSTIN), shared by the settings (the
operator's state), the customer profile (the customer's) and the invoices (place of supply).
docs/decisions.md#gst-split"""

from __future__ import annotations

from zoneinfo import ZoneInfo

# India's time: GST's financial year (1 April to 31 March) and the dates on invoices,
# whatever NEXA_TIMEZONE says
INDIA = ZoneInfo("Asia/Kolkata")

# the codes in use today; 25 (Daman and Diu) and 28 (Andhra Pradesh before 2014) are retired
GST_STATES: dict[str, str] = {
    "01": "Jammu and Kashmir",
    "02": "Himachal Pradesh",
    "03": "Punjab",
    "04": "Chandigarh",
    "05": "Uttarakhand",
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "10": "Bihar",
    "11": "Sikkim",
    "12": "Arunachal Pradesh",
    "13": "Nagaland",
    "14": "Manipur",
    "15": "Mizoram",
    "16": "Tripura",
    "17": "Meghalaya",
    "18": "Assam",
    "19": "West Bengal",
    "20": "Jharkhand",
    "21": "Odisha",
    "22": "Chhattisgarh",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "26": "Dadra and Nagar Haveli and Daman and Diu",
    "27": "Maharashtra",
    "29": "Karnataka",
    "30": "Goa",
    "31": "Lakshadweep",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "34": "Puducherry",
    "35": "Andaman and Nicobar Islands",
    "36": "Telangana",
    "37": "Andhra Pradesh",
    "38": "Ladakh",
    "97": "Other Territory",
}

# state code, PAN (5 letters, 4 digits, 1 letter), entity number, "Z", check character
GSTIN_PATTERN = r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$"


def state_name(code: str | None) -> str | None:
    return GST_STATES.get(code) if code else None
