import streamlit as st

st.title("transfer_learning")
st.write("Being built.")
